namespace Allocation.Api.Tests;

/// <summary>
/// A fixture with one API instance on the shared test database. Tests isolate themselves by creating their own
/// agreement (and so their own stock), so no state needs resetting between them.
/// </summary>
public abstract class ApiTest
{
    protected AllocationApiFactory Factory { get; private set; } = null!;
    protected HttpClient Client { get; private set; } = null!;

    [OneTimeSetUp]
    public void StartApi()
    {
        Factory = new AllocationApiFactory(TestDatabase.ConnectionString);
        Client = Factory.CreateClient();
    }

    [OneTimeTearDown]
    public async Task StopApi()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
    }
}
