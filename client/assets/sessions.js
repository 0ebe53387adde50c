// doithoai: the sessions' pages. The live mode's keys (a step's start time at one key, next
// speech, skip, walk-in, conclusion, minutes), the speaker register's Alt+↑/↓, and the minutes'
// autosave. Everything also works without this script: every action is a plain form.
(function () {
  'use strict';
  var csrfEl = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfEl ? csrfEl.getAttribute('content') : '';
  function typing(el) {
    return el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
  }
  function submit(id) {
    var f = document.getElementById(id);
    if (f) { if (f.requestSubmit) { f.requestSubmit(); } else { f.submit(); } return true; }
    return false;
  }
  function focus(id) {
    var el = document.getElementById(id);
    if (!el) { return false; }
    var d = el.closest('details'); if (d) { d.open = true; }
    el.focus(); return true;
  }

  // --- the speaker register: Alt+↑ / Alt+↓ on a row moves it ------------------------------
  var reg = document.getElementById('speakers');
  if (reg) {
    reg.addEventListener('keydown', function (ev) {
      if (!ev.altKey || (ev.key !== 'ArrowUp' && ev.key !== 'ArrowDown')) { return; }
      var li = ev.target.closest('li[data-key]');
      if (!li) { return; }
      var b = document.getElementById((ev.key === 'ArrowUp' ? 'up-' : 'down-') + li.getAttribute('data-key'));
      if (b && !b.disabled) { ev.preventDefault(); b.click(); }
    });
  }

  var live = document.getElementById('live');
  if (!live) { return; }

  // --- the live mode's keys -----------------------------------------------------------------
  document.addEventListener('keydown', function (ev) {
    if (ev.ctrlKey || ev.metaKey) { return; }
    if (typing(ev.target) && !ev.altKey) { return; }
    if (!typing(ev.target) && ev.altKey && !/^[1-6]$/.test(ev.key)) { /* Alt+letter outside a field too */ }
    var k = (ev.key || '').toLowerCase();
    var done = false;
    if (/^[1-6]$/.test(k)) {
      var go = document.getElementById('step-' + k + '-go');
      if (go) { go.click(); done = true; }
    } else if (k === 'n') { done = focus('speech-summary');
    } else if (k === 's') { done = submit('skip');
    } else if (k === 'w') { done = focus('walkin-name');
    } else if (k === 'k') { done = focus('conclusion-text');
    } else if (k === 'b') { done = focus('minutes'); }
    if (done) { ev.preventDefault(); }
  });

  // --- the minutes' autosave ----------------------------------------------------------------
  // Each save sends the text and the version it was based on; the server writes the difference
  // as Automerge text splices on that version and merges, so what the other secretary wrote
  // (arrived by sync meanwhile) is kept. The answer carries the merged text: shown when nothing
  // was typed during the save, else the next save is based on this edit's own version so the
  // merge happens again instead of deleting what arrived.
  var form = document.getElementById('minutes-form');
  var area = document.getElementById('minutes');
  var heads = document.getElementById('minutes-heads');
  var status = document.getElementById('minutes-status');
  if (!form || !area || !heads) { return; }
  var url = form.getAttribute('data-autosave');
  var dirty = false, busy = false;
  function save() {
    if (!dirty || busy) { return; }
    dirty = false; busy = true;
    var sent = area.value;
    var body = new URLSearchParams();
    body.set('_csrf', csrf); body.set('heads', heads.value); body.set('minutes', sent);
    fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'x-csrf-token': csrf, 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString()
    }).then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (res) {
        var j = res.j;
        if (!res.ok) { if (status) { status.textContent = j.error || ''; } dirty = true; return; }
        if (area.value === sent) {
          heads.value = j.heads;
          if (j.text !== sent) {
            var pos = area.selectionStart, end = area.selectionEnd;
            // Keep the caret where it was relative to the text after it.
            var tail = sent.length - end;
            area.value = j.text;
            var at = Math.max(0, j.text.length - tail);
            if (pos === end) { area.setSelectionRange(at, at); }
          }
        } else {
          heads.value = j.own;
          dirty = true;
        }
        if (status) { status.textContent = j.message; }
      })
      .catch(function () { dirty = true; })
      .then(function () { busy = false; });
  }
  area.addEventListener('input', function () { dirty = true; });
  setInterval(save, 1500);
  // Pull in what the other secretary wrote (after a sync) when nothing is being typed.
  setInterval(function () { if (!dirty && !busy && document.activeElement !== area) { dirty = true; save(); } }, 10000);
  form.addEventListener('submit', function (ev) { ev.preventDefault(); dirty = true; save(); });
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'hidden' && dirty && navigator.sendBeacon) {
      var b = new URLSearchParams();
      b.set('_csrf', csrf); b.set('heads', heads.value); b.set('minutes', area.value);
      navigator.sendBeacon(url, new Blob([b.toString()], { type: 'application/x-www-form-urlencoded' }));
      dirty = false;
    }
  });
})();
