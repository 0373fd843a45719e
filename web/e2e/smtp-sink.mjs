// A tiny SMTP server on loopback for browser tests: speaks enough SMTP
// (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for lettre to deliver to it,
// and keeps every mail: { to: [...], headers, body } with the body decoded
// (quoted-printable or base64). `waitFor(pred)` resolves with the first mail
// matching, waiting at most `timeoutMs`.
import net from 'node:net';

function decodeBody(headers, raw) {
  const cte = (/^content-transfer-encoding:\s*(\S+)/im.exec(headers)?.[1] ?? '').toLowerCase();
  if (cte === 'base64') return Buffer.from(raw.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (cte === 'quoted-printable') {
    const bytes = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return raw;
}

export async function startSmtpSink() {
  const mails = [];
  const waiters = [];
  const deliver = (mail) => {
    mails.push(mail);
    for (const w of [...waiters]) if (w.pred(mail)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(mail); }
  };
  const server = net.createServer((sock) => {
    sock.setEncoding('utf8');
    let buf = '';
    let inData = false;
    let data = [];
    let to = [];
    const reply = (s) => sock.write(`${s}\r\n`);
    reply('220 folio-test-sink ESMTP');
    sock.on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            const text = data.join('\r\n');
            const split = text.indexOf('\r\n\r\n');
            const headers = split >= 0 ? text.slice(0, split) : text;
            const body = split >= 0 ? text.slice(split + 4) : '';
            const subject = /^subject:\s*(.*)$/im.exec(headers)?.[1] ?? '';
            deliver({ to, headers, subject, body: decodeBody(headers, body) });
            data = []; to = [];
            reply('250 queued');
          } else data.push(line.startsWith('..') ? line.slice(1) : line);
          continue;
        }
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === 'EHLO') { sock.write('250-folio-test-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n'); }
        else if (cmd === 'HELO') reply('250 folio-test-sink');
        else if (cmd === 'MAIL') reply('250 ok');
        else if (cmd === 'RCPT') { to.push(/<([^>]*)>/.exec(line)?.[1] ?? ''); reply('250 ok'); }
        else if (cmd === 'DATA') { inData = true; reply('354 end with .'); }
        else if (cmd === 'QUIT') { reply('221 bye'); sock.end(); }
        else reply('250 ok');
      }
    });
    sock.on('error', () => {});
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    waitFor(pred, timeoutMs = 10_000) {
      const found = mails.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve };
        waiters.push(w);
        setTimeout(() => { const i = waiters.indexOf(w); if (i >= 0) { waiters.splice(i, 1); reject(new Error(`no matching mail within ${timeoutMs} ms; got: ${mails.map((m) => `${m.to} ${m.subject}`).join('; ')}`)); } }, timeoutMs);
      });
    },
    close: () => new Promise((r) => server.close(r)),
  };
}
