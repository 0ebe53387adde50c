// doithoai local web UI: the live sync status in the header and the capture draft's autosave.
// Everything works without this script (plain forms); it only makes things live.
(function () {
  'use strict';
  var csrfEl = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfEl ? csrfEl.getAttribute('content') : '';

  // --- live status -------------------------------------------------------------------------
  var bar = document.getElementById('status');
  var fast = false;
  function setText(id, text) {
    var el = document.getElementById(id);
    if (el && el.textContent !== text) { el.textContent = text; }
  }
  function update(s) {
    var on = document.getElementById('st-online');
    if (on) {
      on.className = 'pill ' + (s.online ? 'online' : 'offline');
      setText('st-online', s.online_text);
    }
    setText('st-last', s.last_text);
    setText('st-unconfirmed', s.unconfirmed_text);
    var c = document.getElementById('st-conflicts');
    if (c) { c.className = s.conflicts === 0 ? 'muted' : 'pill warn'; setText('st-conflicts', s.conflicts_text); }
    var b = document.getElementById('sync-now');
    if (b) { b.disabled = s.syncing; setText('sync-now', s.button_text); }
    fast = s.syncing;
  }
  function poll() {
    fetch('/api/status', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) { if (s) { update(s); } })
      .catch(function () {})
      .then(function () { setTimeout(poll, fast ? 700 : 2500); });
  }
  if (bar) { setTimeout(poll, 1000); }
  var syncForm = document.getElementById('sync-form');
  if (syncForm) {
    syncForm.addEventListener('submit', function (ev) {
      ev.preventDefault();
      fetch(syncForm.action, {
        method: 'POST', credentials: 'same-origin',
        headers: { 'x-csrf-token': csrf, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(new FormData(syncForm)).toString()
      }).then(function () { fast = true; poll(); }).catch(function () {});
    });
  }

  // --- capture: autosave of the draft --------------------------------------------------------
  var form = document.getElementById('capture');
  if (!form) { return; }
  var draftUrl = form.getAttribute('data-draft-url');
  var dirty = false;
  var busy = false;
  function body() { return new URLSearchParams(new FormData(form)).toString(); }
  function save() {
    if (!dirty || busy) { return; }
    dirty = false; busy = true;
    fetch(draftUrl, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'x-csrf-token': csrf, 'content-type': 'application/x-www-form-urlencoded' },
      body: body()
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) { if (j) { setText('draft-status', j.message); } else { dirty = true; } })
      .catch(function () { dirty = true; })
      .then(function () { busy = false; });
  }
  form.addEventListener('input', function () { dirty = true; });
  form.addEventListener('change', function () { dirty = true; });
  setInterval(save, 2000);
  // A closed tab still sends what was typed since the last save.
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'hidden' && dirty && navigator.sendBeacon) {
      var fd = new URLSearchParams(new FormData(form));
      navigator.sendBeacon(draftUrl, new Blob([fd.toString()], { type: 'application/x-www-form-urlencoded' }));
      dirty = false;
    }
  });
  form.addEventListener('submit', function () { dirty = false; });
  // Ctrl+Enter saves the petition from any field.
  form.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      var b = document.getElementById('save');
      if (b) { b.click(); }
    }
  });
}());
