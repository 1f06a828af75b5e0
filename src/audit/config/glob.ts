/** Include patterns (`conf.d/*.conf`, `sites-enabled/*`): `*`, `?` and `[...]` per path segment, sorted like nginx and Apache do. */
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

/** Matches a pattern expands to at most: a directory of a few thousand vhosts is real; more is a trap. */
export const MAX_GLOB_MATCHES = 10_000;

export function hasGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

export function globToRegExp(segment: string): RegExp {
  let re = '^';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${segment.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`);
}

/** Files on disk matching an absolute pattern; directories are never returned. */
export function globFiles(pattern: string): string[] {
  if (!isAbsolute(pattern)) throw new Error('globFiles needs an absolute pattern');
  let current = ['/'];
  for (const seg of pattern.split('/').filter(Boolean)) {
    const next: string[] = [];
    for (const dir of current) {
      if (!hasGlob(seg)) {
        next.push(join(dir, seg));
        continue;
      }
      let names: string[];
      try {
        names = readdirSync(dir).sort();
      } catch {
        continue;
      }
      const re = globToRegExp(seg);
      for (const n of names) if (re.test(n) && !n.startsWith('.')) next.push(join(dir, n));
      if (next.length > MAX_GLOB_MATCHES) break;
    }
    current = next.slice(0, MAX_GLOB_MATCHES);
  }
  return current.filter((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
}
