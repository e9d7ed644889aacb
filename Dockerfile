FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# Restore from the project files alone, so a source change reuses the cached package layer.
COPY Directory.Build.props Directory.Packages.props Allocation.sln ./
COPY .config/ .config/
COPY src/Allocation.Domain/Allocation.Domain.csproj src/Allocation.Domain/
COPY src/Allocation.Api/Allocation.Api.csproj src/Allocation.Api/
RUN dotnet restore src/Allocation.Api/Allocation.Api.csproj

COPY src/ src/
# The OpenAPI document is generated and checked by the CI build; the image does not need it.
RUN dotnet publish src/Allocation.Api -c Release -o /app /p:OpenApiGenerateDocuments=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
USER $APP_UID
ENTRYPOINT ["dotnet", "Allocation.Api.dll"]
