import t from 'tap';
import { hashPassword, verifyPassword } from '../../src/auth/passwords.js';

t.test('scrypt password hashes', async (t) => {
  const hash = await hashPassword('correct horse');
  t.match(hash, /^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/, 'self-describing format');
  t.not(await hashPassword('correct horse'), hash, 'salted');
  t.equal(await verifyPassword('correct horse', hash), true);
  t.equal(await verifyPassword('wrong', hash), false);
  t.equal(await verifyPassword('x', 'plain'), false, 'malformed stored hash never matches');
});
