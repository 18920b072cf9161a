// earshot console: small progressive enhancements; every page works without this script.
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  // Dates typed in filters are days in the viewer's zone: tell the server which zone that is.
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (const input of document.querySelectorAll('input[data-timezone]')) {
    if (!input.value && zone) input.value = zone;
  }

  // Timestamps arrive in UTC; show them in the viewer's zone (the UTC value stays in the title).
  for (const time of document.querySelectorAll('time[datetime]')) {
    const date = new Date(time.getAttribute('datetime'));
    if (Number.isNaN(date.getTime())) continue;
    time.title = time.textContent;
    time.textContent = date.toLocaleString();
  }

  // Transcript segments seek the player to where they were said.
  const player = document.getElementById('player');
  for (const button of document.querySelectorAll('button[data-seek]')) {
    button.addEventListener('click', () => {
      if (!player) return;
      player.currentTime = Number(button.dataset.seek);
      player.play().catch(() => {});
    });
  }

  // Copy buttons for URLs and tokens shown once.
  for (const button of document.querySelectorAll('button[data-copy]')) {
    button.hidden = false;
    button.addEventListener('click', async () => {
      const source = document.getElementById(button.dataset.copy);
      const status = document.getElementById(`${button.dataset.copy}-copied`);
      const text = source ? source.textContent.trim() : '';
      try {
        await navigator.clipboard.writeText(text);
        if (status) status.textContent = 'Copied';
      } catch {
        const range = document.createRange();
        range.selectNodeContents(source);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        if (status) status.textContent = 'Selected: press Ctrl+C to copy';
      }
    });
  }

  // Forms that change something hard to undo ask first.
  for (const form of document.querySelectorAll('form[data-confirm]')) {
    form.addEventListener('submit', (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }

  // Custom field flags: say when a change will alter the search index settings.
  for (const box of document.querySelectorAll('input[data-index-flag]')) {
    const note = document.getElementById(box.dataset.indexFlag);
    const initial = box.checked;
    box.addEventListener('change', () => {
      if (note) note.hidden = box.checked === initial;
    });
  }
});
