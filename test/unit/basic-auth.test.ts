import { basicPasswordMatches } from '../../src/adapters/http/basic-auth';

const PASSWORD = 'admin-token-0123456789abcdef';
const basic = (userPass: string, scheme = 'Basic') =>
  `${scheme} ${Buffer.from(userPass, 'utf8').toString('base64')}`;

describe('basicPasswordMatches', () => {
  it.each([
    ['any user name', basic(`oncall:${PASSWORD}`)],
    ['an empty user name', basic(`:${PASSWORD}`)],
    ['a lower-case scheme', basic(`oncall:${PASSWORD}`, 'basic')],
    ['trailing blanks', `${basic(`oncall:${PASSWORD}`)}  `],
  ])('accepts the password with %s', (_what, header) => {
    expect(basicPasswordMatches(header, PASSWORD)).toBe(true);
  });

  it('takes everything after the first colon as the password (passwords may hold colons)', () => {
    expect(
      basicPasswordMatches(basic('ops:a:b:c-0123456789abcdef'), 'a:b:c-0123456789abcdef'),
    ).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['a wrong password', basic(`oncall:${PASSWORD}x`)],
    ['a prefix of the password', basic(`oncall:${PASSWORD.slice(0, 8)}`)],
    ['the password as the user name', basic(`${PASSWORD}:`)],
    ['no colon at all', basic(PASSWORD)],
    ['another scheme', `Bearer ${PASSWORD}`],
    ['credentials that are not base64', `Basic oncall:${PASSWORD}`],
  ])('refuses %s', (_what, header) => {
    expect(basicPasswordMatches(header, PASSWORD)).toBe(false);
  });
});
