{% raw %}
/* Report behaviour: filters, recounts, the details panel, document picker. No network, no data
   from the run is evaluated: everything is read from the (escaped) page itself. */
(function () {
  'use strict';
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  var slider = $('#minp'), sliderVal = $('#minp-val'), onlyCoded = $('#only-coded');
  var codeBoxes = $$('input.cchk'), groupBoxes = $$('input.gchk');
  var units = $$('.unit.coded');
  var hidden = {};           // code index -> true when unchecked
  var tint = {}, color = {};
  codeBoxes.forEach(function (b) { tint[b.dataset.k] = b.dataset.tint; color[b.dataset.k] = b.dataset.color; });
  var totalSuggestions = $$('.unit.coded .chips .chip').length;

  function minP() { return slider ? parseFloat(slider.value) || 0 : 0; }

  /* Which chips of a unit are visible now: code checked and probability at or above the slider. */
  function apply() {
    var p0 = minP();
    if (sliderVal) { sliderVal.textContent = p0.toFixed(2); }
    var counts = {}, shown = 0, shownUnits = 0;
    function add(row, k) { var r = counts[row] || (counts[row] = {}); r[k] = (r[k] || 0) + 1; }
    units.forEach(function (u) {
      var visible = {}, first = null;
      $$('.chips .chip', u).forEach(function (c) {
        var k = c.dataset.k, p = parseFloat(c.dataset.p);
        var on = !hidden[k] && !(p < p0 - 1e-9);
        c.classList.toggle('off', !on);
        if (on) {
          visible[k] = true; shown += 1;
          if (first === null) { first = k; }
          add('d' + u.dataset.d, k); add('t', k);
          if (u.dataset.s !== undefined) { add('s' + u.dataset.s, k); }
        }
      });
      u.classList.toggle('on', first !== null);
      if (first !== null) {
        shownUnits += 1;
        u.style.setProperty('--hl', color[first] || '#999');
        u.style.setProperty('--bg', tint[first] || '#eee');
      }
      $$('mark', u).forEach(function (m) {
        var any = m.dataset.k.split(' ').some(function (k) { return visible[k]; });
        m.classList.toggle('off', !any);
      });
      $$('.evcode', u).forEach(function (e) { e.classList.toggle('off', !visible[e.dataset.k]); });
      u._visible = visible;
    });
    $$('table.mtable tr[data-u]').forEach(function (tr) {
      var u = document.getElementById(tr.dataset.u);
      var on = !!(u && u._visible && u._visible[tr.dataset.k]);
      tr.classList.toggle('hide', !on);
      $$('.chip', tr).forEach(function (c) {
        c.classList.toggle('off', !(u && u._visible && u._visible[c.dataset.k]));
      });
    });
    $$('td.n[data-r]').forEach(function (td) {
      var n = (counts[td.dataset.r] || {})[td.dataset.k] || 0;
      td.textContent = n ? String(n) : '';
      td.style.background = n ? (tint[td.dataset.k] || '') : '';
    });
    var css = '';
    Object.keys(hidden).forEach(function (k) { if (hidden[k]) { css += '.c' + k + '{display:none}'; } });
    $('#dyn').textContent = css;
    $$('th.grp[data-g]').forEach(function (th) {
      var n = codeBoxes.filter(function (b) { return b.dataset.g === th.dataset.g && b.checked; }).length;
      th.style.display = n ? '' : 'none';
      if (n) { th.colSpan = n; }
    });
    var status = $('#shown-count');
    if (status) {
      status.textContent = shown + ' of ' + totalSuggestions + ' suggestions shown, in ' + shownUnits +
        ' of ' + units.length + ' passages.';
    }
    document.body.dataset.shown = String(shown);
  }

  function syncGroups() {
    groupBoxes.forEach(function (g) {
      var mine = codeBoxes.filter(function (b) { return b.dataset.g === g.dataset.g; });
      var on = mine.filter(function (b) { return b.checked; }).length;
      g.checked = on === mine.length;
      g.indeterminate = on > 0 && on < mine.length;
    });
  }
  codeBoxes.forEach(function (b) {
    b.addEventListener('change', function () { hidden[b.dataset.k] = !b.checked; syncGroups(); apply(); });
  });
  groupBoxes.forEach(function (g) {
    g.addEventListener('change', function () {
      codeBoxes.forEach(function (b) {
        if (b.dataset.g === g.dataset.g) { b.checked = g.checked; hidden[b.dataset.k] = !g.checked; }
      });
      syncGroups(); apply();
    });
  });
  function setAll(on) {
    codeBoxes.forEach(function (b) { b.checked = on; hidden[b.dataset.k] = !on; });
    syncGroups(); apply();
  }
  if ($('#all-codes')) { $('#all-codes').addEventListener('click', function () { setAll(true); }); }
  if ($('#no-codes')) { $('#no-codes').addEventListener('click', function () { setAll(false); }); }
  if (slider) { slider.addEventListener('input', apply); }
  if (onlyCoded) {
    onlyCoded.addEventListener('change', function () { document.body.classList.toggle('only-coded', onlyCoded.checked); });
  }

  /* ---- details panel ---- */
  var panel = $('#panel'), panelBody = $('#panel-body'), selected = null;
  function select(u) {
    if (selected) { selected.classList.remove('sel'); }
    selected = u;
    u.classList.add('sel');
    while (panelBody.firstChild) { panelBody.removeChild(panelBody.firstChild); }
    var doc = u.closest('details.doc');
    var where = document.createElement('p');
    where.className = 'where';
    var who = $('.who', u);
    var docName = doc ? $('.docid', doc).textContent : '';
    where.textContent = docName + (who && who.textContent.trim() ? ' · ' + who.innerText.replace(/\s+/g, ' ').trim() : '');
    var link = document.createElement('a');
    link.href = '#' + u.id; link.textContent = ' (go to passage)';
    where.appendChild(link);
    panelBody.appendChild(where);
    var quote = document.createElement('div');
    quote.className = 'quote';
    quote.style.setProperty('--hl', u.style.getPropertyValue('--hl'));
    quote.appendChild($('.txt', u).cloneNode(true));
    panelBody.appendChild(quote);
    var box = $('.whybox', u);
    if (box) { panelBody.appendChild(box.cloneNode(true)); }
    document.body.classList.add('panel-open');
    panel.setAttribute('data-unit', u.id);
  }
  function closePanel() {
    document.body.classList.remove('panel-open');
    if (selected) { selected.classList.remove('sel'); selected = null; }
  }
  $('#panel-close').addEventListener('click', closePanel);
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') { closePanel(); }
    if (e.key === 'Enter' && e.target.classList && e.target.classList.contains('coded')) { select(e.target); }
  });
  document.addEventListener('click', function (e) {
    if (e.target.closest('a, button, input, select, summary')) { return; }
    var u = e.target.closest('.unit.coded');
    if (u && !(window.getSelection && String(window.getSelection()).length > 0)) { select(u); }
  });

  /* ---- documents: picker, name filter, expand/collapse, jumping to anchors ---- */
  var docs = $$('details.doc');
  var pick = $('#docpick'), filter = $('#docfilter');
  function showDocs() {
    var one = pick ? pick.value : '';
    var q = filter ? filter.value.trim().toLowerCase() : '';
    docs.forEach(function (d) {
      var name = $('.docid', d).textContent.toLowerCase();
      var on = (!one || d.id === one) && (!q || name.indexOf(q) >= 0);
      d.classList.toggle('hide', !on);
      if (one && d.id === one) { d.open = true; }
    });
    $$('ol.toc li').forEach(function (li) {
      var name = li.textContent.toLowerCase();
      li.classList.toggle('hide', !!q && name.indexOf(q) < 0);
    });
  }
  if (pick) {
    pick.addEventListener('change', function () {
      showDocs();
      if (pick.value) { document.getElementById(pick.value).scrollIntoView(); }
    });
  }
  if (filter) { filter.addEventListener('input', showDocs); }
  if ($('#expand-all')) { $('#expand-all').addEventListener('click', function () { docs.forEach(function (d) { d.open = true; }); }); }
  if ($('#collapse-all')) { $('#collapse-all').addEventListener('click', function () { docs.forEach(function (d) { d.open = false; }); }); }

  function reveal(id) {
    var el = id && document.getElementById(id);
    if (!el) { return false; }
    var doc = el.closest('details.doc');
    if (doc) {
      if (doc.classList.contains('hide')) { if (pick) { pick.value = ''; } if (filter) { filter.value = ''; } showDocs(); }
      doc.open = true;
    }
    el.scrollIntoView();
    if (el.classList.contains('unit')) {
      el.classList.remove('flash'); void el.offsetWidth; el.classList.add('flash');
    }
    return true;
  }
  window.addEventListener('hashchange', function () { reveal(decodeURIComponent(location.hash.slice(1))); });

  apply();
  var testMin = /^#test-min=([0-9.]+)$/.exec(location.hash);
  if (testMin && slider) {
    /* For automated checks: behave as if the slider were moved. */
    slider.value = testMin[1];
    slider.dispatchEvent(new Event('input'));
  } else if (location.hash === '#test-click') {
    /* For automated checks: behave as if the first highlighted passage were clicked. */
    var first = $('.unit.coded');
    if (first) { first.click(); }
    document.body.dataset.testClick = first ? 'clicked' : 'no-unit';
  } else if (location.hash) {
    reveal(decodeURIComponent(location.hash.slice(1)));
  }
})();
{% endraw %}
