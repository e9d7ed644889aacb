// The agreement at a glance: draws the report endpoints (PRODUCT §8) for coordinators and auditors.
// Plain modern JavaScript, no build step; Chart.js is loaded before this file. The bearer token lives in this tab's
// sessionStorage only, every call asks the browser not to cache, and every number shown is one the API returned.
'use strict';

(() => {
  const texts = {
    sv: {
      title: 'Överenskommelsen i korthet',
      skip: 'Hoppa till innehållet',
      signOut: 'Logga ut',
      signInHeading: 'Logga in',
      signInHelp: 'Sidan visar rapporterna för samordnare och revisorer. Klistra in din åtkomsttoken; den sparas bara i den här fliken tills du loggar ut eller stänger den.',
      tokenLabel: 'Åtkomsttoken (bearer)',
      signIn: 'Logga in',
      signInOidc: 'Logga in med organisationens inloggning',
      filtersHeading: 'Urval',
      agreement: 'Överenskommelse',
      allAgreements: 'Alla överenskommelser',
      from: 'Från',
      to: 'Till',
      show: 'Visa',
      period: 'Period',
      showTable: 'Visa som tabell',
      quotaHeading: 'Kvotens användning över tid',
      quotaHelp: 'Bestånd, uthyrda, lediga och reserverade lägenheter mot kvoten, vid varje månads slut.',
      vacancyHeading: 'Vakanskostnad per månad',
      vacancyHelp: 'Lediga dagar gånger dagshyran, i kronor; varav dagar som lägenheten var reserverad.',
      allocationsHeading: 'Anvisningar och väntetid per målgrupp',
      allocationsHelp: (threshold) => `Per målgrupp under en period. Små antal i känsliga målgrupper visas som ”<${threshold}” och ritas inte.`,
      stalledHeading: 'Avstannade ansökningar och erbjudanden',
      stalledHelp: 'Vid varje månads slut: ansökningar som stått i kö längre än avtalets gräns och erbjudanden som varit obesvarade längre än dess gräns; under månaden: erbjudanden som löpte ut obesvarade och ansökningar som drogs tillbaka. Alla målgrupper.',
      networkHeading: 'Nätverkets balans',
      networkHelp: 'Placeringar givna och mottagna genom Södertörnsnätverket per medlem, summerat över perioden.',
      download: (format) => `Ladda ner ${format}`,
      downloadLabel: (format, what) => `Ladda ner ${format}: ${what}`,
      chartLabel: (what) => `Diagram: ${what}. Samma siffror finns i tabellen under diagrammet.`,
      loading: 'Hämtar rapporterna …',
      loaded: (asOf) => `Rapporterna visar läget ${asOf}.`,
      signedOut: 'Du är utloggad.',
      unauthorized: 'Token godtogs inte (ogiltig eller utgången). Logga in igen.',
      forbidden: 'Token har inte behörighet att läsa rapporter: sidan är till för samordnare och revisorer.',
      noToken: 'Klistra in en token först.',
      failed: (detail) => `Rapporterna kunde inte hämtas: ${detail}`,
      noData: 'Inga uppgifter för urvalet.',
      columns: {
        period: 'Period', agreement: 'Överenskommelse', quota: 'Kvot', stock: 'Bestånd', available: 'Lediga', offered: 'Erbjudna',
        leased: 'Uthyrda', reserved: 'Reserverade', vacantDays: 'Lediga dagar', vacancyCost: 'Vakanskostnad (kr)',
        reservedVacantDays: 'Varav reserverade dagar', reservedVacancyCost: 'Varav reserverat (kr)', targetGroup: 'Målgrupp',
        submitted: 'Inkomna', approved: 'Godkända', housed: 'Bosatta', medianDaysSubmittedToHoused: 'Median dagar ansökan → bosatt',
        medianDaysApprovedToFirstOffer: 'Median dagar godkänd → första erbjudande', expired: 'Utgångna erbjudanden', stalledRequests: 'Avstannade ansökningar', stalledOffers: 'Avstannade erbjudanden',
        withdrawn: 'Återtagna ansökningar', member: 'Medlem', given: 'Givna', received: 'Mottagna', balance: 'Balans',
        givenPeople: 'Personer givna', receivedPeople: 'Personer mottagna',
      },
      allGroups: 'Alla målgrupper',
      waitingChart: 'Median väntetid i dagar',
    },
    en: {
      title: 'The agreement at a glance',
      skip: 'Skip to content',
      signOut: 'Sign out',
      signInHeading: 'Sign in',
      signInHelp: 'This page shows the reports to coordinators and auditors. Paste your access token; it is kept in this tab only, until you sign out or close it.',
      tokenLabel: 'Access token (bearer)',
      signIn: 'Sign in',
      signInOidc: 'Sign in with your organisation',
      filtersHeading: 'Selection',
      agreement: 'Agreement',
      allAgreements: 'All agreements',
      from: 'From',
      to: 'To',
      show: 'Show',
      period: 'Period',
      showTable: 'Show as table',
      quotaHeading: 'Quota use over time',
      quotaHelp: 'Stock, leased, available and reserved apartments against the quota, at the end of each month.',
      vacancyHeading: 'Vacancy cost per month',
      vacancyHelp: 'Vacant days times the daily rent, in SEK; of which days the apartment was reserved.',
      allocationsHeading: 'Allocations and waiting time per target group',
      allocationsHelp: (threshold) => `Per target group in one period. Small counts of sensitive groups read “<${threshold}” and are not drawn.`,
      stalledHeading: 'Stalled requests and offers',
      stalledHelp: 'At the end of each month: requests queued longer than the agreement\'s limit and offers unanswered longer than its limit; during the month: offers that expired unanswered and requests withdrawn. All target groups.',
      networkHeading: 'Network balance',
      networkHelp: 'Placements given and received through the Södertörn network per member, summed over the period.',
      download: (format) => `Download ${format}`,
      downloadLabel: (format, what) => `Download ${format}: ${what}`,
      chartLabel: (what) => `Chart: ${what}. The table below the chart has the same figures.`,
      loading: 'Loading the reports …',
      loaded: (asOf) => `The reports show the state as of ${asOf}.`,
      signedOut: 'You are signed out.',
      unauthorized: 'The token was not accepted (invalid or expired). Please sign in again.',
      forbidden: 'This token may not read reports: the page is for coordinators and auditors.',
      noToken: 'Paste a token first.',
      failed: (detail) => `The reports could not be loaded: ${detail}`,
      noData: 'No figures for this selection.',
      columns: {
        period: 'Period', agreement: 'Agreement', quota: 'Quota', stock: 'Stock', available: 'Available', offered: 'Offered',
        leased: 'Leased', reserved: 'Reserved', vacantDays: 'Vacant days', vacancyCost: 'Vacancy cost (SEK)',
        reservedVacantDays: 'Of which reserved days', reservedVacancyCost: 'Of which reserved (SEK)', targetGroup: 'Target group',
        submitted: 'Submitted', approved: 'Approved', housed: 'Housed', medianDaysSubmittedToHoused: 'Median days submitted → housed',
        medianDaysApprovedToFirstOffer: 'Median days approved → first offer', expired: 'Offers expired', stalledRequests: 'Stalled requests', stalledOffers: 'Stalled offers',
        withdrawn: 'Requests withdrawn', member: 'Member', given: 'Given', received: 'Received', balance: 'Balance',
        givenPeople: 'People given', receivedPeople: 'People received',
      },
      allGroups: 'All target groups',
      waitingChart: 'Median waiting time in days',
    },
  };

  // Colours with at least 4.5:1 contrast against white, told apart by more than hue (dashes, bars vs lines).
  const colours = ['#0b5394', '#b45309', '#15803d', '#7e22ce', '#be123c', '#374151'];

  const $ = (selector) => document.querySelector(selector);
  const storage = window.sessionStorage;
  let language = storage.getItem('dashboard.language') === 'en' ? 'en' : 'sv';
  let token = storage.getItem('dashboard.token');
  let settings = { openIdConnect: null };
  let data = null; // the last reports fetched: { quota, vacancy, allocations, network }
  const charts = {};

  const t = (key, ...args) => {
    const text = texts[language][key];
    return typeof text === 'function' ? text(...args) : text ?? key;
  };
  const column = (name) => texts[language].columns[name] ?? name;
  const locale = () => (language === 'sv' ? 'sv-SE' : 'en-GB');

  // ---- calling the API ----------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  function reportUrl(report, format) {
    const query = new URLSearchParams();
    const agreement = $('#agreement').value;
    if (agreement) query.set('agreementId', agreement);
    if ($('#from').value) query.set('from', $('#from').value);
    if ($('#to').value) query.set('to', $('#to').value);
    query.set('groupBy', 'month');
    if (format) query.set('format', format);
    return `/api/v1/reports/${report}?${query}`;
  }

  async function call(url, accept) {
    const response = await fetch(url, {
      headers: { Authorization: `Bearer ${token}`, Accept: accept },
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
    if (response.ok) return response;
    let detail = `${response.status} ${response.statusText}`;
    try {
      const problem = await response.json();
      detail = [problem.title, problem.detail].filter(Boolean).join(': ') || detail;
    } catch {
      // not a problem document: keep the status line
    }
    if (response.status === 401) throw new ApiError(401, t('unauthorized'));
    if (response.status === 403) throw new ApiError(403, t('forbidden'));
    throw new ApiError(response.status, t('failed', detail));
  }

  const report = async (name) => (await call(reportUrl(name), 'application/json')).json();

  async function download(name, format) {
    const media = format === 'csv' ? 'text/csv' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
    const response = await call(reportUrl(name, format), media);
    const disposition = response.headers.get('Content-Disposition') ?? '';
    const fileName = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? `${name}.${format}`;
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement('a');
    link.href = url;
    link.download = fileName;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  // ---- numbers -------------------------------------------------------------------------------------------------

  const sum = (values) => values.reduce((a, b) => a + b, 0);
  // Money in öre while adding, so the sums are the API's to the öre.
  const sumMoney = (values) => Math.round(sum(values.map((v) => Math.round(v * 100)))) / 100;

  function groupBy(rows, key) {
    const groups = new Map();
    for (const row of rows) {
      const k = key(row);
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(row);
    }
    return groups;
  }

  const periodLabel = (start) =>
    new Intl.DateTimeFormat(locale(), { year: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(`${start}T00:00:00Z`));

  function formatValue(value, money) {
    if (value === null || value === undefined) return '–';
    return new Intl.NumberFormat(locale(), money ? { minimumFractionDigits: 2, maximumFractionDigits: 2 } : {}).format(value);
  }

  // ---- tables and charts ---------------------------------------------------------------------------------------

  // A cell: the API's value in data-value (empty when null), "<threshold" when suppressed.
  function cell(row, name, options = {}) {
    const td = document.createElement('td');
    td.dataset.column = name;
    const value = row[name];
    td.dataset.value = value === null || value === undefined ? '' : String(value);
    if (value === null && row.suppressed?.includes(name)) {
      td.textContent = `<${data.threshold}`;
      td.dataset.suppressed = 'true';
    } else {
      td.textContent = formatValue(value, options.money);
    }
    return td;
  }

  function table(container, caption, head, rows) {
    container.replaceChildren();
    if (rows.length === 0) {
      const p = document.createElement('p');
      p.textContent = t('noData');
      container.append(p);
      return;
    }
    const tableElement = document.createElement('table');
    const captionElement = document.createElement('caption');
    captionElement.textContent = caption;
    const thead = document.createElement('thead');
    const headRow = document.createElement('tr');
    for (const name of head) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = column(name);
      headRow.append(th);
    }
    thead.append(headRow);
    const tbody = document.createElement('tbody');
    for (const { label, values, columns, total, money } of rows) {
      const tr = document.createElement('tr');
      if (total) tr.className = 'total';
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = label;
      tr.append(th);
      for (const name of columns) tr.append(cell(values, name, { money: money?.includes(name) }));
      tbody.append(tr);
    }
    tableElement.append(captionElement, thead, tbody);
    container.append(tableElement);
  }

  function chart(id, type, labels, datasets, title) {
    charts[id]?.destroy();
    const canvas = document.getElementById(id);
    canvas.setAttribute('aria-label', t('chartLabel', title));
    charts[id] = new window.Chart(canvas, {
      type,
      data: {
        labels,
        datasets: datasets.map((d, i) => ({
          label: d.label,
          data: d.data,
          borderColor: colours[i % colours.length],
          backgroundColor: colours[i % colours.length],
          borderDash: type === 'line' && i === 0 ? [6, 4] : undefined,
          spanGaps: false,
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        locale: locale(),
        plugins: { title: { display: true, text: title, color: '#1b1b1f' }, legend: { labels: { color: '#1b1b1f' } } },
        scales: { x: { ticks: { color: '#1b1b1f' } }, y: { beginAtZero: true, ticks: { color: '#1b1b1f' } } },
      },
    });
  }

  function renderQuota() {
    const periods = [...groupBy(data.quota.rows, (r) => r.periodStart)].map(([start, rows]) => ({
      start,
      quota: sum(rows.map((r) => r.quota)),
      stock: sum(rows.map((r) => r.stock)),
      available: sum(rows.map((r) => r.available)),
      offered: sum(rows.map((r) => r.offered)),
      leased: sum(rows.map((r) => r.leased)),
      reserved: sum(rows.map((r) => r.reserved)),
    }));
    const series = ['quota', 'stock', 'leased', 'available', 'reserved'];
    chart('quota-chart', 'line', periods.map((p) => periodLabel(p.start)),
      series.map((s) => ({ label: column(s), data: periods.map((p) => p[s]) })), t('quotaHeading'));
    table($('#quota .table'), t('quotaHeading'), ['period', 'quota', 'stock', 'available', 'offered', 'leased', 'reserved'],
      periods.map((p) => ({ label: periodLabel(p.start), values: p, columns: ['quota', 'stock', 'available', 'offered', 'leased', 'reserved'] })));
  }

  function renderVacancy() {
    const periods = [...groupBy(data.vacancy.rows, (r) => r.periodStart)].map(([start, rows]) => ({
      start,
      vacantDays: sum(rows.map((r) => r.vacantDays)),
      vacancyCost: sumMoney(rows.map((r) => r.vacancyCost)),
      reservedVacantDays: sum(rows.map((r) => r.reservedVacantDays)),
      reservedVacancyCost: sumMoney(rows.map((r) => r.reservedVacancyCost)),
    }));
    chart('vacancy-chart', 'bar', periods.map((p) => periodLabel(p.start)), [
      { label: column('vacancyCost'), data: periods.map((p) => p.vacancyCost) },
      { label: column('reservedVacancyCost'), data: periods.map((p) => p.reservedVacancyCost) },
    ], t('vacancyHeading'));
    const columns = ['vacantDays', 'vacancyCost', 'reservedVacantDays', 'reservedVacancyCost'];
    table($('#vacancy .table'), t('vacancyHeading'), ['period', ...columns],
      periods.map((p) => ({ label: periodLabel(p.start), values: p, columns, money: ['vacancyCost', 'reservedVacancyCost'] })));
  }

  function renderAllocations() {
    const select = $('#allocations-period');
    const periods = [...groupBy(data.allocations.rows, (r) => r.periodStart).keys()];
    // By default the latest period in which something happened to a target group's requests.
    const active = periods.filter((p) => data.allocations.rows.some((r) => r.periodStart === p && r.targetGroupCode !== null
      && ['submitted', 'approved', 'offered', 'housed'].some((c) => r[c] !== 0)));
    const chosen = periods.includes(select.value) ? select.value : active.at(-1) ?? periods.at(-1) ?? '';
    select.replaceChildren(...periods.map((p) => new Option(periodLabel(p), p, false, p === chosen)));
    select.value = chosen;

    const rows = data.allocations.rows.filter((r) => r.periodStart === chosen);
    const groups = rows.filter((r) => r.targetGroupCode !== null);
    const counts = ['submitted', 'approved', 'offered', 'housed'];
    const days = ['medianDaysSubmittedToHoused', 'medianDaysApprovedToFirstOffer'];
    const label = (r) => r.targetGroupCode ?? t('allGroups');
    chart('allocations-chart', 'bar', groups.map(label), counts.map((c) => ({ label: column(c), data: groups.map((r) => r[c]) })),
      `${t('allocationsHeading')} – ${chosen ? periodLabel(chosen) : ''}`);
    chart('waiting-chart', 'bar', groups.map(label), days.map((c) => ({ label: column(c), data: groups.map((r) => r[c]) })),
      `${t('waitingChart')} – ${chosen ? periodLabel(chosen) : ''}`);
    table($('#allocations .table'), `${t('allocationsHeading')} – ${chosen ? periodLabel(chosen) : ''}`, ['targetGroup', ...counts, ...days],
      rows.map((r) => ({ label: label(r), values: r, columns: [...counts, ...days], total: r.targetGroupCode === null })));
  }

  function renderStalled() {
    const totals = data.allocations.rows.filter((r) => r.targetGroupCode === null);
    const columns = ['stalledRequests', 'stalledOffers', 'expired', 'withdrawn'];
    chart('stalled-chart', 'bar', totals.map((r) => periodLabel(r.periodStart)),
      columns.map((c) => ({ label: column(c), data: totals.map((r) => r[c]) })), t('stalledHeading'));
    table($('#stalled .table'), t('stalledHeading'), ['period', ...columns],
      totals.map((r) => ({ label: periodLabel(r.periodStart), values: r, columns })));
  }

  function renderNetwork() {
    const members = [...groupBy(data.network.rows, (r) => r.municipalityCode)].map(([code, rows]) => ({
      code,
      name: rows[0].name,
      given: sum(rows.map((r) => r.given)),
      received: sum(rows.map((r) => r.received)),
      balance: sum(rows.map((r) => r.balance)),
      givenPeople: sum(rows.map((r) => r.givenPeople)),
      receivedPeople: sum(rows.map((r) => r.receivedPeople)),
    }));
    const columns = ['given', 'received', 'balance'];
    chart('network-chart', 'bar', members.map((m) => m.name), columns.map((c) => ({ label: column(c), data: members.map((m) => m[c]) })),
      t('networkHeading'));
    table($('#network .table'), t('networkHeading'), ['member', ...columns, 'givenPeople', 'receivedPeople'],
      members.map((m) => ({ label: m.name, values: m, columns: [...columns, 'givenPeople', 'receivedPeople'] })));
  }

  function render() {
    if (!data) return;
    $('#as-of').textContent = t('loaded', new Intl.DateTimeFormat(locale(), { dateStyle: 'long', timeStyle: 'short' }).format(new Date(data.quota.asOf)));
    $('#allocations > p').textContent = t('allocationsHelp', data.threshold);
    renderQuota();
    renderVacancy();
    renderAllocations();
    renderStalled();
    renderNetwork();
  }

  // ---- page state ----------------------------------------------------------------------------------------------

  function showError(message) {
    const error = $('#error');
    error.textContent = message ?? '';
    error.hidden = !message;
  }

  function setSignedIn(signedIn) {
    $('#sign-in').hidden = signedIn;
    $('#dashboard').hidden = !signedIn;
    $('#sign-out').hidden = !signedIn;
  }

  function signOut(message) {
    token = null;
    data = null;
    storage.removeItem('dashboard.token');
    for (const id of Object.keys(charts)) {
      charts[id].destroy();
      delete charts[id];
    }
    for (const container of document.querySelectorAll('.report .table')) container.replaceChildren();
    setSignedIn(false);
    $('#status').textContent = message ? '' : t('signedOut');
    showError(message);
  }

  async function load(firstTime) {
    document.body.dataset.loaded = 'false';
    showError(null);
    $('#status').textContent = t('loading');
    try {
      const [quota, vacancy, allocations, network] = await Promise.all(['quota-utilisation', 'vacancy', 'allocations', 'network'].map(report));
      data = { quota, vacancy, allocations, network, threshold: allocations.suppressionThreshold };
      if (firstTime) fillAgreements(quota.rows);
      setSignedIn(true);
      render();
      $('#status').textContent = $('#as-of').textContent;
      document.body.dataset.loaded = 'true';
      if (firstTime) $('#main').focus();
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) signOut(error.message);
      else {
        $('#status').textContent = '';
        showError(error.message);
      }
    }
  }

  function fillAgreements(rows) {
    const select = $('#agreement');
    const seen = new Map(rows.map((r) => [r.agreementId, r.agreementReference]));
    select.replaceChildren(select.options[0], ...[...seen].map(([id, reference]) => new Option(reference, id)));
  }

  function applyLanguage() {
    document.documentElement.lang = language;
    document.title = t('title');
    for (const element of document.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
    for (const button of document.querySelectorAll('[data-lang]')) button.setAttribute('aria-pressed', String(button.dataset.lang === language));
    for (const container of document.querySelectorAll('.report')) {
      const heading = container.querySelector('h2').textContent;
      for (const button of container.querySelectorAll('.downloads button')) {
        button.textContent = t('download', button.dataset.format.toUpperCase());
        button.setAttribute('aria-label', t('downloadLabel', button.dataset.format.toUpperCase(), heading));
      }
    }
    render();
  }

  // ---- OpenID Connect (authorization code with PKCE), when the deployment configures a provider --------------------

  const base64Url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const randomString = () => base64Url(crypto.getRandomValues(new Uint8Array(32)));
  const redirectUri = () => `${location.origin}/dashboard`;

  async function discovery() {
    const response = await fetch(`${settings.openIdConnect.authority}/.well-known/openid-configuration`, { cache: 'no-store', credentials: 'omit' });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    return response.json();
  }

  async function startOpenIdConnect() {
    const provider = await discovery();
    const verifier = randomString();
    const state = randomString();
    storage.setItem('dashboard.oidc', JSON.stringify({ verifier, state }));
    const challenge = base64Url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: settings.openIdConnect.clientId,
      redirect_uri: redirectUri(),
      scope: settings.openIdConnect.scope,
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    location.assign(`${provider.authorization_endpoint}?${query}`);
  }

  async function finishOpenIdConnect(query) {
    const pending = JSON.parse(storage.getItem('dashboard.oidc') ?? 'null');
    storage.removeItem('dashboard.oidc');
    history.replaceState(null, '', '/dashboard'); // the code is used once; it must not stay in the address bar
    if (!pending || pending.state !== query.get('state')) throw new Error('state');
    const provider = await discovery();
    const response = await fetch(provider.token_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: query.get('code'),
        redirect_uri: redirectUri(),
        client_id: settings.openIdConnect.clientId,
        code_verifier: pending.verifier,
      }),
      cache: 'no-store',
      credentials: 'omit',
    });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    return (await response.json()).access_token;
  }

  // ---- start ---------------------------------------------------------------------------------------------------

  function wire() {
    for (const container of document.querySelectorAll('.report')) {
      const downloads = container.querySelector('.downloads');
      for (const format of ['csv', 'xlsx']) {
        const button = document.createElement('button');
        button.type = 'button';
        button.dataset.format = format;
        button.addEventListener('click', () => download(container.dataset.report, format).catch((error) => {
          if (error instanceof ApiError && (error.status === 401 || error.status === 403)) signOut(error.message);
          else showError(error.message);
        }));
        downloads.append(button);
      }
    }
    for (const button of document.querySelectorAll('[data-lang]'))
      button.addEventListener('click', () => {
        language = button.dataset.lang;
        storage.setItem('dashboard.language', language);
        applyLanguage();
      });
    $('#token-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const pasted = $('#token').value.trim().replace(/^Bearer\s+/i, '');
      $('#token').value = '';
      if (!pasted) {
        showError(t('noToken'));
        return;
      }
      token = pasted;
      storage.setItem('dashboard.token', token);
      load(true);
    });
    $('#filters').addEventListener('submit', (event) => {
      event.preventDefault();
      load(false);
    });
    $('#allocations-period').addEventListener('change', () => renderAllocations());
    $('#sign-out').addEventListener('click', () => signOut(null));
    $('#oidc-sign-in').addEventListener('click', () => startOpenIdConnect().catch((error) => showError(t('failed', error.message))));
  }

  async function start() {
    wire();
    applyLanguage();
    try {
      settings = await (await fetch('/dashboard/config.json', { cache: 'no-store', credentials: 'omit' })).json();
    } catch {
      settings = { openIdConnect: null };
    }
    $('#oidc').hidden = !settings.openIdConnect;
    const query = new URLSearchParams(location.search);
    if (settings.openIdConnect && query.has('code')) {
      try {
        token = await finishOpenIdConnect(query);
        storage.setItem('dashboard.token', token);
      } catch (error) {
        showError(t('failed', error.message));
      }
    }
    if (token) await load(true);
    document.body.dataset.ready = 'true';
  }

  start();
})();
