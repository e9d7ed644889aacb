#!/usr/bin/env bash
# Copies the dashboard's charting library from npm into the API's embedded assets. The copy is committed, so neither
# the build, CI nor the container image needs npm; run this after changing the version in package.json and commit both.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
npm ci --no-audit --no-fund
target=../src/Allocation.Api/Dashboard/assets/vendor
mkdir -p "$target"
cp node_modules/chart.js/dist/chart.umd.min.js "$target/chart.umd.min.js"
cp node_modules/chart.js/LICENSE.md "$target/chart.js-LICENSE.md"
sed -i "/sourceMappingURL=/d" "$target/chart.umd.min.js" # the map is not shipped: no request for it
echo "chart.js $(node -p 'require("./node_modules/chart.js/package.json").version')" > "$target/VERSIONS"
