# syntax=docker/dockerfile:1
# One image for every role: MAP_ROLE=web (HTTP + WebSocket) or worker (jobs); the command `migrate` applies the
# migrations and exits. Used by docker-compose.prod.yml; see deploy/RUNBOOK.md.

# Only the project files, so the restore layer below is rebuilt when a project or a package version changes,
# not on every code change (new projects are picked up without editing this file).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS projects
WORKDIR /src
COPY src/ src/
RUN find src -type f ! -name '*.csproj' -delete

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY --from=projects /src/src/ src/
RUN dotnet restore src/Map.Host/Map.Host.csproj
COPY src/ src/
RUN dotnet publish src/Map.Host/Map.Host.csproj -c Release --no-restore -o /app /p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
# Uploaded files (UPLOAD_DIR) and the offline geocoder file (OFFLINE_GEOCODE_FILE, under /app/data). A named volume
# mounted on either starts with this owner, so the app user can write.
RUN mkdir -p /app/uploads /app/data/offline && chown -R "$APP_UID" /app/uploads /app/data
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS=8000 \
    ASPNETCORE_ENVIRONMENT=Production \
    MAP_DATA_DIR=/app/data \
    UPLOAD_DIR=/app/uploads
# The non-root user of the .NET images (uid 1654).
USER $APP_UID
EXPOSE 8000
# No curl in the image: the app checks itself (GET /health, exit 0 on 200). Both roles serve /health.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=5 \
    CMD ["dotnet", "/app/Map.Host.dll", "healthcheck", "http://127.0.0.1:8000/health"]
ENTRYPOINT ["dotnet", "/app/Map.Host.dll"]
