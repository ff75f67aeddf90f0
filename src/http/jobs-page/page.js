// The jobs page: sign in (or paste an API key), upload a CSV or XLSX to POST /jobs/import, follow the
// job over the recommendationJobProgress subscription (SSE), download its results. Plain browser
// JavaScript, no build step; it uses only the API's own routes with the caller's credentials.
(() => {
  const STORAGE_KEY = 'harvest-graph.jobs.credential';
  const $ = (id) => document.getElementById(id);
  let credential = sessionStorage.getItem(STORAGE_KEY);
  let currentJob = null;
  let progressAbort = null;

  function authHeaders(extra) {
    const headers = Object.assign({}, extra || {});
    if (credential) headers.authorization = `Bearer ${credential}`;
    return headers;
  }

  async function graphql(query, variables) {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: authHeaders({ 'content-type': 'application/json', accept: 'application/json' }),
      body: JSON.stringify({ query: query, variables: variables || {} }),
    });
    const body = await response.json().catch(() => ({}));
    if (body.errors && body.errors.length) throw new Error(body.errors[0].message);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return body.data;
  }

  // Every error the API writes has the GraphQL shape: { errors: [{ message, extensions: { code, … } }] }.
  function firstError(body) {
    return body && Array.isArray(body.errors) && body.errors.length ? body.errors[0] : null;
  }

  function setText(id, text) {
    $(id).textContent = text;
  }

  async function useCredential(value) {
    credential = value;
    setText('credentials-error', '');
    try {
      const data = await graphql(
        'query JobsPageViewer { viewer { tier scopes organization { name } user { email } } }',
      );
      const viewer = data.viewer;
      sessionStorage.setItem(STORAGE_KEY, value);
      const who = viewer.user ? viewer.user.email : `${viewer.tier.toLowerCase()} API key`;
      setText(
        'who',
        'Signed in as ' +
          who +
          ' · ' +
          viewer.organization.name +
          ' · scopes ' +
          viewer.scopes.join(', ').toLowerCase(),
      );
      $('sign-out').hidden = false;
      $('upload').setAttribute('aria-disabled', 'false');
      if (viewer.scopes.indexOf('WRITE') < 0)
        setText('upload-error', 'This credential has no write scope: it cannot start jobs.');
    } catch (err) {
      credential = null;
      sessionStorage.removeItem(STORAGE_KEY);
      setText('credentials-error', err.message);
      $('upload').setAttribute('aria-disabled', 'true');
    }
  }

  $('sign-in-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.target;
    credential = null;
    setText('credentials-error', '');
    try {
      const data = await graphql(
        'mutation JobsPageSignIn($email: String!, $password: String!) { signIn(email: $email, password: $password) { __typename ... on MutationSignInSuccess { data { token } } ... on Error { message } } }',
        { email: form.email.value, password: form.password.value },
      );
      const result = data.signIn;
      if (result.__typename !== 'MutationSignInSuccess') throw new Error(result.message || 'Sign-in failed.');
      form.password.value = '';
      await useCredential(result.data.token);
    } catch (err) {
      setText('credentials-error', err.message);
    }
  });

  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = event.target.key.value.trim();
    event.target.key.value = '';
    useCredential(key);
  });

  $('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(STORAGE_KEY);
    credential = null;
    if (progressAbort) progressAbort.abort();
    location.reload();
  });

  $('upload-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.target;
    const file = form.file.files[0];
    if (!file) return;
    const format = /\.xlsx$/i.test(file.name) ? 'xlsx' : 'csv';
    const params = new URLSearchParams({ format: format });
    if (form.name.value.trim()) params.set('name', form.name.value.trim());
    setText('upload-error', '');
    setText('upload-result', `Uploading ${file.name} (${Math.round(file.size / 1024)} KB)…`);
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const response = await fetch(`/jobs/import?${params}`, {
        method: 'POST',
        headers: authHeaders({
          'content-type':
            format === 'xlsx' ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv',
        }),
        body: file,
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) {
        const error = firstError(body);
        const rows = error && error.extensions && error.extensions.errors;
        const detail = rows
          ? ' ' +
            rows
              .slice(0, 5)
              .map((e) => `line ${e.line}: ${e.message}`)
              .join('; ')
          : '';
        const retry = response.headers.get('retry-after');
        throw new Error(
          ((error && error.message) || `HTTP ${response.status}`) +
            detail +
            (retry ? ` (try again in ${retry} s)` : ''),
        );
      }
      setText(
        'upload-result',
        (body.deduplicated ? 'Same file as a recent job: following that job. ' : '') +
          'Imported ' +
          body.imported +
          ' customers' +
          (body.rejectedRows ? `, ${body.rejectedRows} rows refused` : '') +
          '.',
      );
      followJob(body.job.id, body.job.total);
    } catch (err) {
      setText('upload-result', '');
      setText('upload-error', err.message);
    } finally {
      button.disabled = false;
    }
  });

  function formatSeconds(s) {
    if (s === null || s === undefined) return '–';
    if (s < 60) return `${s} s`;
    const m = Math.floor(s / 60);
    return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  }

  function showProgress(job) {
    const total = job.total || 0;
    const donePct = total ? (100 * job.done) / total : 0;
    const failedPct = total ? (100 * job.failed) / total : 0;
    $('bar-done').style.width = `${donePct}%`;
    $('bar-failed').style.width = `${failedPct}%`;
    $('bar').setAttribute('aria-valuenow', String(Math.round(donePct + failedPct)));
    setText('job-status', job.status);
    setText('stat-done', job.done.toLocaleString('en'));
    setText('stat-failed', job.failed.toLocaleString('en'));
    setText('stat-total', total.toLocaleString('en'));
    setText('stat-rate', job.ratePerSecond ? `${job.ratePerSecond.toFixed(1)} /s` : '–');
    setText('stat-eta', job.status === 'COMPLETED' ? 'done' : formatSeconds(job.etaSeconds));
    const finished = job.status === 'COMPLETED' || job.status === 'CANCELLED';
    $('downloads').hidden = !finished;
    return finished;
  }

  const PROGRESS =
    'subscription JobsPageProgress($id: ID!) { recommendationJobProgress(id: $id) { id status total done failed pending ratePerSecond etaSeconds } }';

  // The subscription over SSE (yoga's distinct-connection mode): POST with Accept: text/event-stream,
  // then "event: next / data: {...}" blocks until "event: complete". Reconnects if the stream drops.
  async function followJob(id, total) {
    if (progressAbort) progressAbort.abort();
    const abort = new AbortController();
    progressAbort = abort;
    currentJob = id;
    $('progress').hidden = false;
    setText('job-id', id);
    setText('progress-error', '');
    showProgress({ status: 'QUEUED', total: total || 0, done: 0, failed: 0, ratePerSecond: 0, etaSeconds: null });
    for (let attempt = 0; !abort.signal.aborted; attempt++) {
      try {
        const finished = await streamProgress(id, abort.signal);
        if (finished) return;
      } catch (err) {
        if (abort.signal.aborted) return;
        setText('progress-error', `${err.message} — reconnecting…`);
      }
      await new Promise((resolve) => {
        setTimeout(resolve, Math.min(1000 * (attempt + 1), 5000));
      });
    }
  }

  async function streamProgress(id, signal) {
    const response = await fetch('/graphql', {
      method: 'POST',
      signal: signal,
      headers: authHeaders({ 'content-type': 'application/json', accept: 'text/event-stream' }),
      body: JSON.stringify({ query: PROGRESS, variables: { id: id } }),
    });
    if (!response.ok || !response.body) {
      const body = await response.json().catch(() => ({}));
      throw new Error((body.errors && body.errors[0].message) || `HTTP ${response.status}`);
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let finished = false;
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return finished;
      buffer += chunk.value;
      const blocks = buffer.split(/\r?\n\r?\n/);
      buffer = blocks.pop();
      for (let i = 0; i < blocks.length; i++) {
        let event = 'message';
        let data = '';
        blocks[i].split(/\r?\n/).forEach((line) => {
          if (line.indexOf('event:') === 0) event = line.slice(6).trim();
          else if (line.indexOf('data:') === 0) data += line.slice(5).trim();
        });
        if (event === 'complete') return finished;
        if (!data) continue;
        const payload = JSON.parse(data);
        if (payload.errors && payload.errors.length) throw new Error(payload.errors[0].message);
        if (payload.data && payload.data.recommendationJobProgress) {
          setText('progress-error', '');
          finished = showProgress(payload.data.recommendationJobProgress);
        }
      }
    }
  }

  async function download(format) {
    if (!currentJob) return;
    setText('download-status', `Preparing ${format.toUpperCase()}…`);
    try {
      const response = await fetch(`/jobs/${encodeURIComponent(currentJob)}/results.${format}`, {
        headers: authHeaders(),
      });
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        const error = firstError(body);
        throw new Error((error && error.message) || `HTTP ${response.status}`);
      }
      const blob = await response.blob();
      const match = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') || '');
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = match ? match[1] : `recommendations.${format}`;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => {
        URL.revokeObjectURL(link.href);
      }, 10000);
      setText('download-status', `Downloaded ${link.download} (${Math.round(blob.size / 1024)} KB).`);
    } catch (err) {
      setText('download-status', `Download failed: ${err.message}`);
    }
  }

  $('download-csv').addEventListener('click', () => {
    download('csv');
  });
  $('download-xlsx').addEventListener('click', () => {
    download('xlsx');
  });

  if (credential) useCredential(credential);
})();
