import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTree, writeTreeAtomically } from '../../lib/synth/writer';
import { tmpDir } from '../helpers';

const tree = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe('atomic writer', () => {
  it('replaces the owned entries and keeps files it does not own', () => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'README.md'), 'mine');
    writeTreeAtomically(out, tree({ 'management/a.yaml': 'a', 'sites/x/y/b.yaml': 'b', 'PLACEMENT.md': 'p' }));
    writeTreeAtomically(out, tree({ 'management/c.yaml': 'c' }));
    expect([...readTree(out).entries()]).toEqual([
      ['README.md', 'mine'],
      ['management/c.yaml', 'c'],
    ]);
    // No staging or backup folders are left beside the output.
    expect(fs.readdirSync(root)).toEqual(['dist']);
  });

  it('leaves the previous output untouched when writing fails', () => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    writeTreeAtomically(out, tree({ 'management/a.yaml': 'a' }));
    const before = readTree(out);
    // A file path that collides with a folder of the same tree makes the write fail half-way.
    expect(() => writeTreeAtomically(out, tree({ 'management/z.yaml': 'z', 'sites/x': 'file', 'sites/x/y.yaml': 'y' }))).toThrow();
    expect(readTree(out)).toEqual(before);
    expect(fs.readdirSync(root)).toEqual(['dist']);
  });

  it('restores a previous tree that a killed writer had moved aside', () => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    fs.mkdirSync(out);
    const backup = path.join(root, '.k0smos-previous-dist-abc');
    fs.mkdirSync(path.join(backup, 'management'), { recursive: true });
    fs.writeFileSync(path.join(backup, 'management', 'old.yaml'), 'old');
    fs.mkdirSync(path.join(root, '.k0smos-staging-dist-def'));
    writeTreeAtomically(out, tree({ 'sites/a/b/x.yaml': 'x' }));
    // The restored management/ is owned, so the new tree (which has none) replaces it.
    expect([...readTree(out).keys()]).toEqual(['sites/a/b/x.yaml']);
    expect(fs.readdirSync(root)).toEqual(['dist']);
  });
});
