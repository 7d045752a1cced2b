using Map.Modules.Chat.Telegram;
using Microsoft.Extensions.Configuration;

namespace Map.Modules.Chat.Tests;

/// <summary>How the delivery settings are read from the environment.</summary>
public sealed class TelegramDeliveryOptionsTests
{
    private static TelegramDeliveryOptions Read(params (string Key, string Value)[] values) =>
        TelegramDeliveryOptions.From(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build());

    [Fact]
    public void The_token_falls_back_from_telegram_bot_token_to_map_bot_token_to_bot_token()
    {
        Assert.Equal("a", Read(("TELEGRAM_BOT_TOKEN", "a"), ("MAP_BOT_TOKEN", "b"), ("BOT_TOKEN", "c")).BotToken);
        Assert.Equal("b", Read(("TELEGRAM_BOT_TOKEN", " "), ("MAP_BOT_TOKEN", "b"), ("BOT_TOKEN", "c")).BotToken);
        Assert.Equal("c", Read(("BOT_TOKEN", "c")).BotToken);
        Assert.False(Read().Enabled);
    }

    [Fact]
    public void Defaults_are_the_public_bot_api_and_a_backoff_from_5_seconds_to_10_minutes()
    {
        var options = Read();

        Assert.Equal("https://api.telegram.org/", options.ApiBase.AbsoluteUri);
        Assert.Null(options.Proxy);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Backoff(1));
        Assert.Equal(TimeSpan.FromSeconds(10), options.Backoff(2));
        Assert.Equal(TimeSpan.FromSeconds(40), options.Backoff(4));
        Assert.Equal(TimeSpan.FromMinutes(10), options.Backoff(19));
        Assert.Equal(20, options.MaxAttempts);
    }

    [Theory]
    [InlineData("TELEGRAM_API_BASE", "not a url")]
    [InlineData("TELEGRAM_API_BASE", "ftp://example.org")]
    [InlineData("CHAT_TELEGRAM_RETRY_BASE_MS", "0")]
    [InlineData("CHAT_TELEGRAM_MAX_ATTEMPTS", "many")]
    public void A_bad_value_stops_start_up_naming_the_variable(string name, string value)
    {
        var error = Assert.Throws<Map.SharedKernel.ConfigurationException>(() => Read((name, value)));

        Assert.StartsWith(name + " must be", error.Message, StringComparison.Ordinal);
    }
}
