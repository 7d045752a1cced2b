using Npgsql;
using NpgsqlTypes;

namespace Map.Modules.Chat.EventChat;

/// <summary>A member to add: (<c>admin</c>, username) or (<c>tracker</c>, device id).</summary>
internal sealed record MemberRef2(string MemberType, string MemberId);

/// <summary>
/// Get-or-create of channels. Shift, incident and DM channels are unique by partial unique indexes, and creation is an
/// <c>INSERT … ON CONFLICT DO NOTHING</c> followed by a read: concurrent ensure calls give one channel (chat spec §9.16).
/// Members are added the same way, so repeated or concurrent additions never fail.
/// </summary>
internal sealed class Chat2ChannelStore(ChatDbContext db, TimeProvider clock)
{
    public async Task<(Channel2 Channel, bool Created)> EnsureAsync(string type, int? shiftId, int? markerId, string? dmKey, IEnumerable<MemberRef2> members, CancellationToken cancellationToken)
    {
        var id = Chat2Ids.New();
        var now = Map.SharedKernel.DatabaseTime.Now(clock);
        var conflict = type switch
        {
            ChannelTypes.Shift => "(shift_id) WHERE type = 'shift'",
            ChannelTypes.Incident => "(marker_id) WHERE type = 'incident'",
            _ when dmKey is not null => "(dm_key) WHERE type = 'dm' AND dm_key IS NOT NULL",
            _ => null,
        };
        var sql = "INSERT INTO chat.chat2_channels (id, type, shift_id, marker_id, dm_key, created_at, last_seq) VALUES (@id, @type, @shift, @marker, @dm, @now, 0)"
            + (conflict is null ? "" : " ON CONFLICT " + conflict + " DO NOTHING");
        var created = await db.Database.ExecuteSqlRawAsync(sql, [new NpgsqlParameter("id", NpgsqlDbType.Varchar) { Value = id }, new NpgsqlParameter("type", NpgsqlDbType.Varchar) { Value = type }, new NpgsqlParameter("shift", NpgsqlDbType.Integer) { Value = (object?)shiftId ?? DBNull.Value }, new NpgsqlParameter("marker", NpgsqlDbType.Integer) { Value = (object?)markerId ?? DBNull.Value }, new NpgsqlParameter("dm", NpgsqlDbType.Varchar) { Value = (object?)dmKey ?? DBNull.Value }, new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = now }], cancellationToken) == 1;
        var channel = created
            ? await db.Channels2.AsNoTracking().SingleAsync(c => c.Id == id, cancellationToken)
            : type switch
            {
                ChannelTypes.Shift => await db.Channels2.AsNoTracking().SingleAsync(c => c.Type == type && c.ShiftId == shiftId, cancellationToken),
                ChannelTypes.Incident => await db.Channels2.AsNoTracking().SingleAsync(c => c.Type == type && c.MarkerId == markerId, cancellationToken),
                _ => await db.Channels2.AsNoTracking().SingleAsync(c => c.Type == type && c.DmKey == dmKey, cancellationToken),
            };
        await AddMembersAsync(channel.Id, members, cancellationToken);
        return (channel, created);
    }

    public async Task AddMembersAsync(string channelId, IEnumerable<MemberRef2> members, CancellationToken cancellationToken)
    {
        foreach (var member in members.Distinct())
        {
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO chat.chat2_members (channel_id, member_type, member_id, last_read_seq) VALUES ({channelId}, {member.MemberType}, {member.MemberId}, 0) ON CONFLICT (channel_id, member_type, member_id) DO NOTHING",
                cancellationToken);
        }
    }
}
