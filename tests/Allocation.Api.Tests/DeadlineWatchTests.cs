using System.Net;
using Allocation.Api.Features.Settlement;
using Allocation.Domain;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Allocation.Api.Tests;

/// <summary>
/// Queries skip the settlement's check while this instance knows nothing can be due (<see cref="DeadlineWatch"/>). What
/// they answer must not change: deadlines this instance made, and deadlines another instance made, are honoured once due.
/// </summary>
public sealed class DeadlineWatchTests
{
    // A check is trusted for a minute here, not 100 ms, so a slow test machine cannot make these tests pass by waiting.
    private static AllocationApiFactory Instance() => new(TestDatabase.ConnectionString, new Dictionary<string, string>
    {
        ["Settlement:ReadCheckMilliseconds"] = "60000",
        ["Offers:ExpirySweepSeconds"] = "4000000", // no sweep: only reads settle
    });

    [Test]
    public async Task A_deadline_made_on_another_instance_is_honoured_by_reads_here_once_it_passes()
    {
        await using var here = Instance();
        await using var there = Instance();
        using var hereClient = here.CreateClient();
        using var thereClient = there.CreateClient();
        var (agreementId, apartment, request) = await hereClient.QueuedPairAsync();
        Assert.That((await hereClient.GetApartmentAsync(apartment.Id)).Status, Is.EqualTo(ApartmentStatus.Available));
        Assert.That(here.Services.GetRequiredService<DeadlineWatch>().KnowsNothingDue(here.Clock.GetUtcNow()), Is.True,
            "the read found nothing due, so the next read may skip the check: the case this test is about");

        // The other instance offers the apartment, due in a second: nothing here hears of it.
        var offer = await thereClient.CreateOfferAsync(apartment.Id, request.Id, there.Clock.GetUtcNow().AddSeconds(1));
        Assert.That((await hereClient.GetApartmentAsync(apartment.Id)).Status, Is.EqualTo(ApartmentStatus.Offered));

        here.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.That((await hereClient.GetApartmentAsync(apartment.Id)).Status, Is.EqualTo(ApartmentStatus.Available),
            "a minute on, the trusted period is over: the apartment is back, as read here");
        Assert.That((await hereClient.GetOfferAsync(offer.Id)).Status, Is.EqualTo(OfferStatus.Expired));
        var queue = await hereClient.GetAsync<Infrastructure.Page<Features.Queue.QueueItemResponse>>($"/api/v1/queue?agreementId={agreementId}");
        Assert.That(queue.Items.Select(q => q.RequestId), Is.EqualTo(new[] { request.Id }), "the household is back in the queue");
    }

    [Test]
    public async Task A_deadline_made_here_is_honoured_by_the_next_read_even_within_the_trusted_period()
    {
        await using var api = Instance();
        using var client = api.CreateClient();
        var (_, apartment, _) = await client.QueuedPairAsync();
        await client.GetApartmentAsync(apartment.Id); // a check that found nothing due
        var watch = api.Services.GetRequiredService<DeadlineWatch>();
        Assert.That(watch.KnowsNothingDue(api.Clock.GetUtcNow()), Is.True);

        // A reservation due in a millisecond: the command that made it makes the next query ask again.
        var response = await client.PutAsJsonAsync($"/api/v1/apartments/{apartment.Id}/reservation",
            new { targetGroupCode = "violence-exposed-women", until = api.Clock.GetUtcNow().AddMilliseconds(1) });
        await response.AssertStatusAsync(HttpStatusCode.OK);
        var reservationId = (await response.ReadAsync<Features.Apartments.ApartmentResponse>()).Reservation!.Id;
        Assert.That(watch.KnowsNothingDue(api.Clock.GetUtcNow()), Is.False, "a command forgets what the last check found");
        api.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That((await client.GetApartmentAsync(apartment.Id)).Reservation, Is.Null);

        // The read recorded the expiry (not only judged it by the clock), so the feed tells it at once.
        var types = new List<string>();
        for (string? after = null; ;)
        {
            var page = await client.GetAsync<Features.Events.EventPage>($"/api/v1/events?limit=200{(after is null ? "" : "&after=" + after)}");
            types.AddRange(page.Items.Where(e => e.ResourceId == reservationId).Select(e => e.Type));
            if (page.Items.Count == 0) break;
            after = page.NextCursor;
        }
        Assert.That(types, Is.EqualTo(new[] { "reservation.created", "reservation.expired" }));
    }
}
