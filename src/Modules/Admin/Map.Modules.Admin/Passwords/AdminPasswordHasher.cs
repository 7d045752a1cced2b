using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Org.BouncyCastle.Crypto.Generators;

namespace Map.Modules.Admin.Passwords;

internal enum PasswordCheck
{
    Failed,
    Success,

    /// <summary>Correct, but stored in a legacy or weaker format: store a fresh hash.</summary>
    SuccessRehashNeeded,
}

/// <summary>
/// New hashes: ASP.NET Core Identity's hasher (PBKDF2-HMAC-SHA512, salted, versioned). Hashes written by the
/// predecessor (Werkzeug <c>scrypt:N:r:p$salt$hex</c> and <c>pbkdf2:sha256:iterations$salt$hex</c>) still verify
/// and are flagged for upgrade. Passwords are used exactly as typed (never trimmed).
/// </summary>
internal sealed class AdminPasswordHasher
{
    private static readonly object User = new();
    private readonly PasswordHasher<object> identity = new();

    public string Hash(string password) => identity.HashPassword(User, password);

    public PasswordCheck Verify(string storedHash, string password)
    {
        if (string.IsNullOrEmpty(storedHash))
        {
            return PasswordCheck.Failed;
        }

        if (storedHash.StartsWith("scrypt:", StringComparison.Ordinal) || storedHash.StartsWith("pbkdf2:", StringComparison.Ordinal))
        {
            return VerifyWerkzeug(storedHash, password) ? PasswordCheck.SuccessRehashNeeded : PasswordCheck.Failed;
        }

        try
        {
            return identity.VerifyHashedPassword(User, storedHash, password) switch
            {
                PasswordVerificationResult.Success => PasswordCheck.Success,
                PasswordVerificationResult.SuccessRehashNeeded => PasswordCheck.SuccessRehashNeeded,
                _ => PasswordCheck.Failed,
            };
        }
        catch (FormatException)
        {
            return PasswordCheck.Failed;
        }
    }

    /// <summary>
    /// Whether a stored hash (e.g. <c>ADMIN_PASSWORD_HASH</c>) has a shape this hasher can verify: Werkzeug
    /// <c>scrypt:…$salt$hex</c> / <c>pbkdf2:…$salt$hex</c>, or an Identity hash (base64, format marker 0x00 or 0x01).
    /// </summary>
    public static bool IsRecognizedFormat(string storedHash)
    {
        if (storedHash.StartsWith("scrypt:", StringComparison.Ordinal) || storedHash.StartsWith("pbkdf2:", StringComparison.Ordinal))
        {
            var parts = storedHash.Split('$');
            return parts.Length == 3 && parts[2].Length > 0 && parts[2].All(char.IsAsciiHexDigit);
        }

        var bytes = new byte[storedHash.Length];
        return Convert.TryFromBase64String(storedHash, bytes, out var length) && length > 13 && bytes[0] is 0x00 or 0x01;
    }

    /// <summary>Spends the same effort as a real check, so unknown usernames do not answer faster.</summary>
    public void VerifyDummy(string password) => Verify(DummyHash.Value, password);

    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<object>().HashPassword(User, Guid.NewGuid().ToString()));

    /// <summary>Werkzeug's <c>method$salt$hex</c>; the salt is used as its UTF-8 text, as Werkzeug does.</summary>
    internal static bool VerifyWerkzeug(string storedHash, string password)
    {
        var parts = storedHash.Split('$');
        if (parts.Length != 3)
        {
            return false;
        }

        var method = parts[0].Split(':');
        var salt = Encoding.UTF8.GetBytes(parts[1]);
        var secret = Encoding.UTF8.GetBytes(password);
        byte[] expected;
        try
        {
            expected = Convert.FromHexString(parts[2]);
        }
        catch (FormatException)
        {
            return false;
        }

        byte[]? actual = method[0] switch
        {
            "scrypt" => Scrypt(method, secret, salt),
            "pbkdf2" => Pbkdf2(method, secret, salt),
            _ => null,
        };
        return actual is not null && CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    private static byte[]? Scrypt(string[] method, byte[] secret, byte[] salt)
    {
        // scrypt:N:r:p, Werkzeug defaults N=2^15, r=8, p=1, 64-byte key.
        var n = method.Length > 1 ? Parse(method[1]) : 32768;
        var r = method.Length > 2 ? Parse(method[2]) : 8;
        var p = method.Length > 3 ? Parse(method[3]) : 1;
        if (n is null or < 2 or > 1 << 20 || r is null or < 1 or > 32 || p is null or < 1 or > 16)
        {
            return null;
        }

        return SCrypt.Generate(secret, salt, n.Value, r.Value, p.Value, 64);
    }

    private static byte[]? Pbkdf2(string[] method, byte[] secret, byte[] salt)
    {
        // pbkdf2:<hash>:<iterations>; the key is as long as the digest.
        var algorithm = (method.Length > 1 ? method[1] : "sha256") switch
        {
            "sha256" => HashAlgorithmName.SHA256,
            "sha512" => HashAlgorithmName.SHA512,
            "sha1" => HashAlgorithmName.SHA1,
            _ => (HashAlgorithmName?)null,
        };
        var iterations = method.Length > 2 ? Parse(method[2]) : 600_000;
        if (algorithm is null || iterations is null or < 1 or > 10_000_000)
        {
            return null;
        }

        var length = algorithm == HashAlgorithmName.SHA512 ? 64 : algorithm == HashAlgorithmName.SHA1 ? 20 : 32;
        return Rfc2898DeriveBytes.Pbkdf2(secret, salt, iterations.Value, algorithm.Value, length);
    }

    private static int? Parse(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var result) ? result : null;
}
