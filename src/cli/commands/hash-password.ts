/**
 * `breakwater hash-password`: prints the scrypt hash of a password for `api.users[].password`, so
 * that the config holds no clear-text password. Asked twice without echo on a terminal; read
 * from stdin otherwise (or with --password-stdin), first line, without its line ending.
 */
import { Command } from 'commander';
import { CliError, EXIT, out, promptHidden, readStdin } from '../client.js';

export function hashPasswordCommand(): Command {
  return new Command('hash-password')
    .description('print a scrypt hash of a password for api.users[].password')
    .option('--password-stdin', 'read the password from stdin (first line) even on a terminal')
    .addHelpText(
      'after',
      `
The output looks like scrypt$16384$8$1$<salt>$<hash>; paste it as the user's password:
  api:
    users:
      - { name: admin, password: 'scrypt$16384$8$1$...' }

Exit codes: 0 ok, 2 empty password or the two entries differ.

Examples:
  breakwater hash-password
  printf '%s\\n' "$PW" | breakwater hash-password`,
    )
    .action(async (o: { passwordStdin?: boolean }) => {
      let password: string;
      if (process.stdin.isTTY && !o.passwordStdin) {
        password = await promptHidden('password: ');
        const again = await promptHidden('again: ');
        if (again !== password) throw new CliError('the two passwords differ', EXIT.USAGE);
      } else {
        password = (await readStdin()).split(/\r?\n/)[0];
      }
      if (password === '') throw new CliError('empty password', EXIT.USAGE);
      const { hashPassword } = await import('../../api/auth.js');
      out(await hashPassword(password));
    });
}
