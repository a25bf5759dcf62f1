import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { captureTls } from './capture.js';
import { concat, recognise, u32be } from './helpers.js';

const SMTP = { transport: 'tcp', dstPort: 25 } as const;
const TCP_ODD = { transport: 'tcp', dstPort: 2025 } as const;

let clientHello: Uint8Array = new Uint8Array(0);
let serverHello: Uint8Array = new Uint8Array(0);

describe('STARTTLS upgrades', () => {
  before(async () => {
    // Real TLS bytes from node:tls, spliced after each protocol's plaintext upgrade.
    const c = await captureTls({ servername: 'mail.example.test' });
    clientHello = c.initiator;
    serverHello = c.responder;
  });

  it('SMTP (RFC 3207): EHLO, STARTTLS, 220, then the ClientHello', () => {
    const fwd = concat('EHLO client.test\r\nSTARTTLS\r\n', clientHello);
    const rev = concat(
      '220 mx.example.test ESMTP Postfix\r\n250-mx.example.test\r\n250-STARTTLS\r\n250 8BITMIME\r\n220 2.0.0 Ready to start TLS\r\n',
      serverHello,
    );
    const info = recognise(fwd, rev, SMTP);
    assert.equal(info.protocol, 'starttls');
    assert.equal(info.keyExchange, true);
    assert.equal(info.details.protocol, 'smtp');
    assert.equal(info.details.upgrade, 'upgraded');
    assert.equal(info.sni, 'mail.example.test');
    assert.match(info.ja4 ?? '', /^t13d/);
    assert.equal(info.version, 'TLS1.3');
    // The prefix ends before the TLS bytes: the request alone still counts as an upgrade.
    const early = recognise(
      Buffer.from('EHLO x\r\nSTARTTLS\r\n'),
      Buffer.from('220 mx ESMTP\r\n'),
      TCP_ODD,
    );
    assert.equal(early.protocol, 'starttls');
    assert.equal(early.details.upgrade, 'requested');
  });

  it('SMTP without STARTTLS, or refused (454), is plaintext SMTP', () => {
    const plain = recognise(
      Buffer.from('EHLO a\r\nMAIL FROM:<a@b>\r\n'),
      Buffer.from('220 mx ESMTP\r\n250 ok\r\n'),
      SMTP,
    );
    assert.equal(plain.protocol, 'smtp');
    assert.equal(plain.keyExchange, false);
    const refused = recognise(
      Buffer.from('EHLO a\r\nSTARTTLS\r\n'),
      Buffer.from('220 mx ESMTP\r\n250 mx\r\n454 4.7.0 TLS not available\r\n'),
      SMTP,
    );
    assert.equal(refused.protocol, 'smtp');
    assert.equal(refused.details.message, 'starttls_refused');
  });

  it('IMAP, POP3 STLS, FTP AUTH TLS and XMPP <starttls/>', () => {
    const imap = recognise(
      concat('a1 STARTTLS\r\n', clientHello),
      Buffer.from('* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\na1 OK Begin TLS\r\n'),
      TCP_ODD,
    );
    assert.equal(imap.protocol, 'starttls');
    assert.equal(imap.details.protocol, 'imap');
    const pop = recognise(
      concat('STLS\r\n', clientHello),
      Buffer.from('+OK POP3 ready\r\n+OK Begin TLS\r\n'),
      TCP_ODD,
    );
    assert.equal(pop.details.protocol, 'pop3');
    assert.equal(pop.sni, 'mail.example.test');
    const ftp = recognise(
      concat('AUTH TLS\r\n', clientHello),
      Buffer.from('220 ProFTPD Server\r\n234 AUTH TLS ok\r\n'),
      TCP_ODD,
    );
    assert.equal(ftp.details.protocol, 'ftp');
    assert.equal(ftp.protocol, 'starttls');
    const xmpp = recognise(
      concat(
        "<?xml version='1.0'?><stream:stream to='example.test' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
        clientHello,
      ),
      Buffer.from(
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features><proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
      ),
      TCP_ODD,
    );
    assert.equal(xmpp.details.protocol, 'xmpp');
    assert.equal(xmpp.sni, 'mail.example.test');
    const plainImap = recognise(
      Buffer.from('a1 LOGIN u p\r\n'),
      Buffer.from('* OK ready\r\n'),
      TCP_ODD,
    );
    assert.equal(plainImap.protocol, 'imap');
    const plainPop = recognise(Buffer.from('USER bob\r\n'), Buffer.from('+OK hello\r\n'), TCP_ODD);
    assert.equal(plainPop.protocol, 'pop3');
  });

  it('LDAP StartTLS extended operation (RFC 4511 §4.14.1)', () => {
    const oid = Buffer.from('1.3.6.1.4.1.1466.20037');
    // LDAPMessage SEQUENCE { messageID 1, [APPLICATION 23] { [0] requestName } }
    const req = concat([0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16], oid);
    const info = recognise(concat(req, clientHello), null, { transport: 'tcp', dstPort: 389 });
    assert.equal(info.protocol, 'starttls');
    assert.equal(info.details.protocol, 'ldap');
    assert.equal(info.sni, 'mail.example.test');
  });

  it('PostgreSQL SSLRequest: S upgrades, N refuses', () => {
    const ssl = concat(u32be(8), u32be(80877103));
    const yes = recognise(concat(ssl, clientHello), concat('S', serverHello), {
      transport: 'tcp',
      dstPort: 5432,
    });
    assert.equal(yes.protocol, 'starttls');
    assert.equal(yes.details.protocol, 'postgresql');
    assert.equal(yes.version, 'TLS1.3');
    const no = recognise(ssl, Buffer.from('N'), { transport: 'tcp', dstPort: 5432 });
    assert.equal(no.protocol, 'other-plaintext');
    assert.equal(no.details.protocol, 'postgresql');
  });

  it('MySQL SSLRequest after a v10 greeting', () => {
    const version = Buffer.from('8.0.36\0');
    const greetingBody = concat(
      [0x0a],
      version,
      [1, 0, 0, 0],
      Buffer.alloc(8, 0x41),
      [0],
      [0xff, 0xff],
      [0x21],
      [2, 0],
      [0xff, 0xdf],
      [21],
      Buffer.alloc(10),
      Buffer.alloc(13, 0x42),
    );
    const greeting = concat(
      [greetingBody.length & 0xff, greetingBody.length >> 8, 0],
      [0],
      greetingBody,
    );
    // SSLRequest: length 32, sequence 1, caps with CLIENT_SSL | CLIENT_PROTOCOL_41, max packet, charset, 23 zeros.
    const sslReq = concat(
      [32, 0, 0, 1],
      [0x00, 0x0a, 0x8a, 0x00],
      [0, 0, 0, 1],
      [0x21],
      Buffer.alloc(23),
    );
    const info = recognise(concat(sslReq, clientHello), greeting, {
      transport: 'tcp',
      dstPort: 3306,
    });
    assert.equal(info.protocol, 'starttls');
    assert.equal(info.details.protocol, 'mysql');
    const plainGreeting = recognise(null, greeting, { transport: 'tcp', dstPort: 3306 });
    assert.equal(plainGreeting.details.protocol, 'mysql');
    assert.equal(plainGreeting.version, '8.0.36');
  });
});
