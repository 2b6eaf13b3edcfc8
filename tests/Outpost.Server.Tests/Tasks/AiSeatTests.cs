using System.Net;
using Outpost.Sdk.Tasks;
using Outpost.Server.Tasks;
using Outpost.Server.Tests.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Tasks;

/// <summary>AI seats on the fake clock (coder-spec §9): a user's first AI use takes a seat; use within the window writes nothing.</summary>
public sealed class AiSeatTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>
{
    [Fact]
    public async Task A_first_task_takes_a_seat_that_owners_see_and_members_may_not_list()
    {
        var tasks = await TaskTestApi.ReadyAsync(fixture, "seat-list");
        var task = await tasks.CreateAsync("seat-list", "take a seat");
        var (_, member) = await tasks.CreateMemberAsync("member-seat");

        var seats = await tasks.Api.ReadAsync<AiSeatList>(HttpMethod.Get, AiSeatApi.Path);
        using var refused = await member.Api.SendAsync(HttpMethod.Get, AiSeatApi.Path);

        var seat = Assert.Single(seats.Seats);
        Assert.Equal(1, seats.Count);
        Assert.Equal(("owner", AiSeatUsage.Task), (seat.Username, seat.LastEventType));
        Assert.Contains(task.Id.ToString(), seat.LastEventDescription, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task Use_within_the_window_writes_nothing_and_the_first_use_after_it_writes_once()
    {
        var tracker = fixture.Service<AiSeatTracker>();
        var store = fixture.Service<AiSeatStore>();
        var (user, _) = await (await TaskTestApi.ReadyAsync(fixture, "seat-window")).CreateMemberAsync("member-window");
        await tracker.RecordUsageAsync(user, AiSeatUsage.Task, "first", CancellationToken.None).WithTimeout();
        var first = await SeatOfAsync(store, user);

        fixture.Clock.Advance(TimeSpan.FromHours(1));
        await tracker.RecordUsageAsync(user, AiSeatUsage.Task, "within the window", CancellationToken.None).WithTimeout();
        var within = await SeatOfAsync(store, user);

        fixture.Clock.Advance(AiSeatTracker.ThrottleInterval);
        await tracker.RecordUsageAsync(user, AiSeatUsage.Task, "after the window", CancellationToken.None).WithTimeout();
        var after = await SeatOfAsync(store, user);

        Assert.Equal(first, within);
        Assert.Equal("after the window", after.LastEventDescription);
        Assert.Equal(first.FirstUsedAt, after.FirstUsedAt);
        Assert.True(after.LastUsedAt > first.LastUsedAt);
    }

    [Fact]
    public async Task The_database_refuses_a_second_write_within_its_window_whoever_asks()
    {
        var store = fixture.Service<AiSeatStore>();
        var (user, _) = await (await TaskTestApi.ReadyAsync(fixture, "seat-db")).CreateMemberAsync("member-db");
        var now = fixture.Clock.GetUtcNow();

        var inserted = await store.UpsertAsync(user, AiSeatUsage.Task, "one", now, CancellationToken.None).WithTimeout();
        // Another replica, whose in-memory debounce never saw the first write.
        var again = await store.UpsertAsync(user, AiSeatUsage.Aibridge, "two", now + TimeSpan.FromHours(1), CancellationToken.None).WithTimeout();
        var later = await store.UpsertAsync(user, AiSeatUsage.Aibridge, "three", now + AiSeatStore.DatabaseWindow, CancellationToken.None).WithTimeout();
        var seat = await SeatOfAsync(store, user);

        Assert.Equal((true, true), inserted);
        Assert.Equal((false, false), again);
        Assert.Equal((true, false), later);
        Assert.Equal(("three", AiSeatUsage.Aibridge), (seat.LastEventDescription, seat.LastEventType));
        Assert.Equal(now.ToUnixTimeMilliseconds(), seat.FirstUsedAt.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task The_gauge_reports_the_seats_in_use()
    {
        var tasks = await TaskTestApi.ReadyAsync(fixture, "seat-gauge");
        await tasks.CreateAsync("seat-gauge", "count me");
        var seats = await tasks.Api.ReadAsync<AiSeatList>(HttpMethod.Get, AiSeatApi.Path);
        var observed = new List<int>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, meter) =>
            {
                if (instrument.Meter.Name == Outpost.Server.Diagnostics.ServerDiagnostics.Name && instrument.Name == "outpost_ai_seats_in_use")
                {
                    meter.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<int>((_, value, _, _) => observed.Add(value));
        listener.Start();

        listener.RecordObservableInstruments();

        // The gauge is process-wide and other test servers share this process: it holds some server's count, never none.
        Assert.True(seats.Count >= 1);
        Assert.InRange(Assert.Single(observed), 1, int.MaxValue);
    }

    private static async Task<AiSeat> SeatOfAsync(AiSeatStore store, Guid user) =>
        Assert.Single(await store.ListAsync(CancellationToken.None).WithTimeout(), seat => seat.UserId == user);
}
