"""The chat page's Library tab: its markup, style and script.

The tab is a client of the HTTP API (library_api.py), so the browser and a script do the same
thing the same way: each picked or dropped file is sent with ``dry_run`` first and its row shows
the upload's progress, then what `add` found (title, words kept and removed, the removed lines,
the poses, in a field to correct them); "Add" sends it again with the poses as corrected. A
refusal shows `add`'s own reason. The articles are listed with their poses and a Remove button;
"Rebuild" starts a build and shows its progress until the chat serves the new index, then the
chat's coverage list is refreshed. Everything from the server is put in the page as text.
With an API key set on the server, the tab asks for it once (kept for the browser tab only).
"""

LIBRARY_HTML = """
<div id="library-panel">
  <p class="lib-key" hidden>This server's API needs its key:
    <input type="password" id="lib-key" autocomplete="off" aria-label="API key">
    <button type="button" id="lib-key-use">Use it</button></p>
  <label class="lib-drop" id="lib-drop">Drop saved web pages (.html), PDFs or text files here, or pick them:
    <input type="file" id="lib-files" multiple accept=".html,.htm,.pdf,.txt,.md"></label>
  <div id="lib-uploads"></div>
  <div class="lib-build-row">
    <button type="button" id="lib-build">Rebuild the index</button>
    <progress id="lib-build-progress" max="1" value="0"></progress>
    <span id="lib-build-msg" role="status"></span>
  </div>
  <h3>Articles</h3>
  <div id="lib-articles"></div>
</div>
"""

LIBRARY_CSS = """
#library-panel .lib-drop {display: block; border: 2px dashed var(--border-color-primary); border-radius: 8px;
  padding: 18px; margin-bottom: 12px; cursor: pointer;}
#library-panel .lib-drop.over {border-color: var(--color-accent); background: var(--background-fill-secondary);}
#library-panel .lib-row, #library-panel .lib-article {border-left: 3px solid var(--border-color-primary);
  padding: 4px 10px; margin-bottom: 10px;}
#library-panel .lib-refused {color: #b91c1c;}
#library-panel .lib-added {color: #15803d;}
#library-panel .lib-pose, #library-panel .lib-counts {opacity: .75; font-size: .9em; margin: 0 8px;}
#library-panel .lib-poses {width: 100%; max-width: 520px;}
#library-panel .lib-build-row {display: flex; gap: 10px; align-items: center; margin: 12px 0;}
#library-panel progress {width: 220px;}
#lib-refresh {display: none;}
"""

LIBRARY_JS = r"""
  // -- the Library tab: a client of /api/articles and /api/build ----------------------------------
  const lib = {key: sessionStorage.getItem('yoga-api-key') || '', building: false};
  const el = (tag, attrs = {}, ...kids) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const kid of kids) if (kid) node.append(kid);
    return node;
  };
  const auth = () => (lib.key ? {Authorization: 'Bearer ' + lib.key} : {});
  const needKey = () => {
    const box = document.querySelector('#library-panel .lib-key');
    if (box) box.hidden = false;
  };
  const reply = (status, text) => {
    let data = {};
    try { data = JSON.parse(text); } catch (e) { data = {}; }
    if (status === 401) needKey();
    const fallback = status ? `the server answered ${status}` : 'no answer from the server';
    const message = (data.error && data.error.message) || fallback;
    return {ok: status >= 200 && status < 300, status, data, message};
  };
  const api = async (method, path) => {
    try {
      const r = await fetch(path, {method, headers: auth(), credentials: 'same-origin'});
      return reply(r.status, await r.text());
    } catch (e) { return reply(0, ''); }
  };
  const upload = (file, fields, row) => new Promise((done) => {
    const form = new FormData();
    form.append('file', file);
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', 'api/articles');
    for (const [k, v] of Object.entries(auth())) xhr.setRequestHeader(k, v);
    const bar = el('progress', {max: '1', value: '0'});
    row.append(bar);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) { bar.max = e.total; bar.value = e.loaded; } };
    xhr.onload = () => { bar.remove(); done(reply(xhr.status, xhr.responseText)); };
    xhr.onerror = () => { bar.remove(); done(reply(0, '')); };
    xhr.send(form);
  });
  const labels = (poses) => poses.map((p) => p.label).join(', ');
  const showFile = async (file) => {
    const row = el('div', {class: 'lib-row'}, el('strong', {text: file.name}));
    document.querySelector('#lib-uploads').prepend(row);
    const seen = await upload(file, {dry_run: 'true'}, row);
    if (!seen.ok) { row.append(el('div', {class: 'lib-refused', text: 'Not added: ' + seen.message})); return; }
    const found = seen.data;
    row.append(el('div', {text: found.title}),
      el('div', {class: 'lib-counts',
        text: `kept ${found.words_kept} words; removed ${found.words_removed} words of web furniture`}));
    const removed = el('details', {}, el('summary', {text: `the ${found.removed.length} removed lines`}));
    const list = el('ul');
    for (const line of found.removed) list.append(el('li', {text: `[${line.kind}] ${line.text}`}));
    removed.append(list);
    const poses = el('input', {type: 'text', class: 'lib-poses', value: labels(found.poses)});
    const add = el('button', {type: 'button', class: 'lib-add', text: 'Add to the library'});
    row.append(removed, el('label', {text: `Poses (${found.poses_from}; correct them if wrong): `}, poses), add);
    add.addEventListener('click', async () => {
      add.disabled = true;
      const done = await upload(file, {poses: poses.value}, row);
      const said = done.ok ? `Added as ${done.data.id}; rebuild the index to answer from it.`
        : 'Not added: ' + done.message;
      row.append(el('div', {class: done.ok ? 'lib-added' : 'lib-refused', text: said}));
      if (done.ok) listArticles(); else add.disabled = false;
    });
  };
  const listArticles = async () => {
    const box = document.querySelector('#lib-articles');
    if (!box) return;
    const got = await api('GET', 'api/articles');
    box.replaceChildren();
    if (!got.ok) { box.append(el('div', {class: 'lib-refused', text: got.message})); return; }
    for (const article of got.data.articles) {
      const remove = el('button', {type: 'button', class: 'lib-remove', text: 'Remove'});
      remove.addEventListener('click', async () => {
        if (!window.confirm(`Remove "${article.title}" from the library?`)) return;
        const gone = await api('DELETE', 'api/articles/' + encodeURIComponent(article.id));
        if (gone.ok) listArticles(); else window.alert(gone.message);
      });
      box.append(el('div', {class: 'lib-article'}, el('span', {text: article.title}),
        el('span', {class: 'lib-pose', text: labels(article.poses) || 'no pose found'}), remove));
    }
  };
  const watchBuild = async () => {
    const bar = document.querySelector('#lib-build-progress'), said = document.querySelector('#lib-build-msg');
    const button = document.querySelector('#lib-build');
    if (!bar) return;
    const got = await api('GET', 'api/build');
    if (!got.ok) { said.textContent = got.message; return; }
    const state = got.data;
    bar.max = Math.max(1, state.total);
    bar.value = state.state === 'done' ? bar.max : state.done;
    const count = state.total ? ` (${state.done} of ${state.total} passages embedded)` : '';
    const running = state.state === 'running';
    said.textContent = state.state === 'idle' ? '' : `${state.state}: ${state.message}${running ? count : ''}`;
    button.disabled = state.state === 'running';
    if (running) { setTimeout(watchBuild, 400); return; }
    if (lib.building) {
      lib.building = false;
      const refresh = document.querySelector('#lib-refresh');
      if (refresh) refresh.click();  // the chat's list of what the articles cover
      listArticles();
    }
  };
  document.addEventListener('click', async (event) => {
    const target = event.target;
    if (!target.closest) return;
    if (target.closest('#lib-build')) {
      document.querySelector('#lib-build-msg').textContent = 'running: starting the build';
      document.querySelector('#lib-build-progress').value = 0;
      const started = await api('POST', 'api/build');
      if (!started.ok && started.status !== 409) {
        document.querySelector('#lib-build-msg').textContent = started.message;
        return;
      }
      lib.building = true;
      watchBuild();
    } else if (target.closest('#lib-key-use')) {
      lib.key = document.querySelector('#lib-key').value.trim();
      sessionStorage.setItem('yoga-api-key', lib.key);
      document.querySelector('#library-panel .lib-key').hidden = true;
      listArticles();
      watchBuild();
    }
  });
  document.addEventListener('change', (event) => {
    if (event.target.id !== 'lib-files') return;
    for (const file of event.target.files) showFile(file);
    event.target.value = '';
  });
  for (const kind of ['dragover', 'dragleave', 'drop']) {
    document.addEventListener(kind, (event) => {
      const drop = event.target.closest && event.target.closest('#lib-drop');
      if (!drop) return;
      event.preventDefault();
      drop.classList.toggle('over', kind === 'dragover');
      if (kind === 'drop') for (const file of event.dataTransfer.files) showFile(file);
    });
  }
  new MutationObserver(() => {
    const box = document.querySelector('#lib-articles');
    if (box && !box.dataset.loaded) { box.dataset.loaded = '1'; listArticles(); watchBuild(); }
  }).observe(document.body, {childList: true, subtree: true});
"""
