using System.Net;
using System.Net.Http.Json;
using Map.Modules.Admin.Passwords;
using Map.SharedKernel;

namespace Map.Modules.Admin.Tests;

/// <summary>
/// Hashes written by the predecessor (Werkzeug). The vectors below were produced once with Python's hashlib using
/// Werkzeug's parameters: <c>hashlib.scrypt(pw, salt=salt.encode(), n=32768, r=8, p=1, maxmem=132*n*r*p, dklen=64)</c>
/// and <c>hashlib.pbkdf2_hmac("sha256", pw, salt.encode(), iterations, 32)</c>, formatted <c>method$salt$hex</c>.
/// </summary>
public sealed class PasswordHashTests(AdminTestContext map) : IClassFixture<AdminTestContext>
{
    public const string LegacyPassword = "legacy-Passw0rd!";

    public const string Scrypt =
        "scrypt:32768:8:1$Xq7vLr2mT9bKc4Wz$edf577a252c826d9512e7628d862415178ee1a7c0c5db8309bb9a1683484ba72e2e7548cd1b15d2f9438be48253c6e6486c234ac9229e982043f6a24f88d793d";

    public const string Pbkdf2Current =
        "pbkdf2:sha256:600000$pB3sK9dQ1eRt6YhU$6ea7b86147ca7be4991809d9d141df63d561052c4e29192672c85cd6840e10df";

    public const string Pbkdf2Older =
        "pbkdf2:sha256:260000$pB3sK9dQ1eRt6YhU$d136d9343553f3c7d3e9e8d80e0f0e87bba408bc2223455f05c282b6d1ada543";

    /// <summary>Password <c>"  пароль с пробелами  "</c> (non-ASCII, leading and trailing spaces).</summary>
    public const string ScryptUnicodeSpaced =
        "scrypt:32768:8:1$aZ4sD5fG6hJ7kL8q$d3bacc91fae9747322aed780b812061baec9d3320a5134e5737fa21aed402c30dff108c214c62a838347e8b7974f27ae09967c72ff5338ef32fa3db7a13bba9a";

    private readonly AdminPasswordHasher hasher = new();

    [Theory]
    [InlineData(Scrypt)]
    [InlineData(Pbkdf2Current)]
    [InlineData(Pbkdf2Older)]
    public void Predecessor_hashes_verify_and_ask_for_an_upgrade(string hash)
    {
        Assert.Equal(PasswordCheck.SuccessRehashNeeded, hasher.Verify(hash, LegacyPassword));
        Assert.Equal(PasswordCheck.Failed, hasher.Verify(hash, LegacyPassword + "x"));
        Assert.Equal(PasswordCheck.Failed, hasher.Verify(hash, " " + LegacyPassword));
        Assert.True(AdminPasswordHasher.IsRecognizedFormat(hash));
    }

    [Fact]
    public void Passwords_are_compared_exactly_including_spaces_and_unicode()
    {
        Assert.Equal(PasswordCheck.SuccessRehashNeeded, hasher.Verify(ScryptUnicodeSpaced, "  пароль с пробелами  "));
        Assert.Equal(PasswordCheck.Failed, hasher.Verify(ScryptUnicodeSpaced, "пароль с пробелами"));
    }

    [Theory]
    [InlineData("scrypt:32768:8:1$Xq7vLr2mT9bKc4Wz$00")]
    [InlineData("scrypt:32768:8:1$Xq7vLr2mT9bKc4Wz$not-hex")]
    [InlineData("scrypt:99999999:8:1$Xq7vLr2mT9bKc4Wz$edf577a2")]
    [InlineData("pbkdf2:md5:1000$salt$abcd")]
    [InlineData("pbkdf2:sha256:600000$only-two-parts")]
    [InlineData("plain-text-password")]
    [InlineData("")]
    public void Malformed_or_unsupported_hashes_never_verify(string hash) =>
        Assert.Equal(PasswordCheck.Failed, hasher.Verify(hash, LegacyPassword));

    [Fact]
    public void New_hashes_use_the_identity_format_and_verify_without_upgrade()
    {
        var hash = hasher.Hash("a-fresh-password");

        Assert.Equal(PasswordCheck.Success, hasher.Verify(hash, "a-fresh-password"));
        Assert.Equal(PasswordCheck.Failed, hasher.Verify(hash, "a-fresh-passwor"));
        Assert.True(AdminPasswordHasher.IsRecognizedFormat(hash));
        Assert.False(AdminPasswordHasher.IsRecognizedFormat("secret"));
        Assert.False(AdminPasswordHasher.IsRecognizedFormat("pbkdf2:sha256:600000$salt$zz"));
    }

    [Theory]
    [InlineData(Scrypt)]
    [InlineData(Pbkdf2Current)]
    [InlineData(Pbkdf2Older)]
    public async Task An_account_with_a_predecessor_hash_signs_in_and_its_hash_is_upgraded(string legacyHash)
    {
        var username = AdminTestContext.Unique("legacy");
        var id = await map.CreateAdminAsync(username, AdminRole.Editor);
        await map.ExecuteAsync("UPDATE admin.admin_users SET password_hash = $1 WHERE id = $2", legacyHash, id);

        var wrong = await map.Api.CreateBrowser().PostAsJsonAsync("/login", new { username, password = "not-the-legacy-password" });
        var first = await map.Api.CreateBrowser().PostAsJsonAsync("/login", new { username, password = LegacyPassword });
        var upgraded = await map.ScalarAsync<string>("SELECT password_hash FROM admin.admin_users WHERE id = $1", id);
        var second = await map.Api.CreateBrowser().PostAsJsonAsync("/login", new { username, password = LegacyPassword });

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.NotEqual(legacyHash, upgraded);
        Assert.False(upgraded!.StartsWith("scrypt:", StringComparison.Ordinal) || upgraded.StartsWith("pbkdf2:", StringComparison.Ordinal));
        Assert.Equal(PasswordCheck.Success, hasher.Verify(upgraded, LegacyPassword));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }
}
