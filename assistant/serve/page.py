"""The chat page's own style and script, given to Gradio by ui.mount."""

from assistant.serve.library_page import LIBRARY_CSS, LIBRARY_JS

CSS = (
    """
#sources .source {border-left: 3px solid var(--color-accent); padding: 4px 10px; margin-bottom: 12px;
  scroll-margin-top: 12px; border-radius: 4px;}
#sources mark {background: #fde68a; color: #1f2937; padding: 0 1px;}
#sources .source-pose, #sources .source-where, #sources .sources-for {opacity: .75; font-size: .9em;}
#sources .sources-for {margin-bottom: 8px;}
#sources details.sources-earlier {margin-top: 10px;}
#sources details.sources-earlier > summary {cursor: pointer; opacity: .8; font-size: .9em;}
#sources .source.cited, #sources .source:target {outline: 3px solid #d97706; border-left: 6px solid #d97706;
  background: #fffbeb; color: #1f2937;}
#sources .source.cited .source-head::after {content: "  \\2190  opened from the answer"; font-weight: 400;
  font-size: .85em; color: #92400e;}
#status {opacity: .6; font-size: .85em;}
a.cite {text-decoration: none; font-weight: 600;}
.unsupported, .cite-unverified {color: #b45309;}
.notice {opacity: .75; font-size: .9em;}
"""
    + LIBRARY_CSS
)
#: in the browser (with the Library tab's script, library_page.py): a clicked [n] opens its
#: passage (unfolding an earlier answer's sources) and marks it; a new answer is shown from its
#: start, not scrolled to its end (on a phone the end of a long answer would be all that shows)
JS = (
    """
() => {
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a.cite');
    if (!link) return;
    const card = document.getElementById((link.getAttribute('href') || '').slice(1));
    if (!card) return;
    event.preventDefault();
    for (let el = card.parentElement; el; el = el.parentElement) if (el.tagName === 'DETAILS') el.open = true;
    document.querySelectorAll('#sources .source.cited').forEach((el) => el.classList.remove('cited'));
    card.classList.add('cited');
    card.scrollIntoView({block: 'start', behavior: 'smooth'});
  }, true);
  let latest = null, moved = false;
  const showStart = () => {
    const rows = document.querySelectorAll('#chat .message-row.bot-row');
    const row = rows[rows.length - 1];
    if (!row) return;
    if (row !== latest) { latest = row; moved = false; }
    const wrap = row.closest('.bubble-wrap');
    if (!wrap || moved) return;  // the person scrolled: leave the chat where they put it
    let asked = row.previousElementSibling;  // the question it answers, shown above it
    while (asked && !asked.classList.contains('user-row')) asked = asked.previousElementSibling;
    const from = asked && row.getBoundingClientRect().top - asked.getBoundingClientRect().top < 200 ? asked : row;
    wrap.scrollTop += from.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 8;
    const top = row.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight - 80) window.scrollBy({top: top - 120});
  };
  for (const kind of ['wheel', 'touchmove', 'keydown']) {
    document.addEventListener(kind, (event) => {
      if (event.target.closest && event.target.closest('#chat')) moved = true;
    }, {passive: true});
  }
  new MutationObserver(showStart).observe(document.body, {childList: true, subtree: true});
"""
    + LIBRARY_JS
    + """
}
"""
)
