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

  it('restores a previous tree that a killed writer had moved aside, and leaves look-alike folders alone', () => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    const backup = path.join(out, '.k0smos-previous-abc123');
    fs.mkdirSync(path.join(backup, 'management'), { recursive: true });
    fs.writeFileSync(path.join(backup, 'management', 'old.yaml'), 'old');
    fs.mkdirSync(path.join(out, '.k0smos-staging-def456'));
    // Not ours: another folder's leftovers and a user's folder with a similar name.
    fs.mkdirSync(path.join(root, '.k0smos-previous-dist-edge-xyz789'));
    fs.mkdirSync(path.join(out, '.k0smos-previous-notes'));
    writeTreeAtomically(out, tree({ 'sites/a/b/x.yaml': 'x' }));
    // The restored management/ is owned, so the new tree (which has none) replaces it.
    expect(fs.readdirSync(out).sort()).toEqual(['.k0smos-previous-notes', 'sites']);
    expect(fs.readdirSync(root).sort()).toEqual(['.k0smos-previous-dist-edge-xyz789', 'dist']);
  });

  it('writes into an output folder on another filesystem path (a symlink) without cross-device renames', () => {
    const root = tmpDir();
    const real = path.join(tmpDir(), 'elsewhere');
    fs.mkdirSync(real);
    fs.symlinkSync(real, path.join(root, 'dist'));
    writeTreeAtomically(path.join(root, 'dist'), tree({ 'management/a.yaml': 'a' }));
    expect([...readTree(real).keys()]).toEqual(['management/a.yaml']);
  });

  it('refuses to write while another live synth holds the lock, and takes over a dead one', () => {
    const out = path.join(tmpDir(), 'dist');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, '.k0smos.lock'), String(process.ppid));
    expect(() => writeTreeAtomically(out, tree({ 'management/a.yaml': 'a' }))).toThrow(/another synth \(process \d+\) is writing/);
    fs.writeFileSync(path.join(out, '.k0smos.lock'), '999999999');
    writeTreeAtomically(out, tree({ 'management/a.yaml': 'a' }));
    expect(fs.readdirSync(out).sort()).toEqual(['management']);
  });
});
