import { parseCsv } from '../../lib/model/csv';

describe('CSV reader', () => {
  it('reads a header and records, with quoted cells (commas, doubled quotes, line breaks), CRLF and a BOM', () => {
    const text = '\uFEFFsite,region,note\r\nstore-1,us-east,"a, b"\r\nstore-2, us-west ,"say ""hi"""\r\n\r\nstore-3,ca-east,"two\nlines"\r\n';
    const { table, issues } = parseCsv(text, 'stores.csv');
    expect(issues).toEqual([]);
    expect(table.header).toEqual(['site', 'region', 'note']);
    expect(table.records).toEqual([
      { line: 2, cells: { site: 'store-1', region: 'us-east', note: 'a, b' } },
      { line: 3, cells: { site: 'store-2', region: 'us-west', note: 'say "hi"' } },
      { line: 5, cells: { site: 'store-3', region: 'ca-east', note: 'two\nlines' } },
    ]);
  });

  it('counts lines after a quoted line break, and reads a last line without a line break', () => {
    const { table } = parseCsv('a,b\n"x\ny",1\nz,2', 'f.csv');
    expect(table.records.map((r) => [r.line, r.cells.a])).toEqual([
      [2, 'x\ny'],
      [4, 'z'],
    ]);
  });

  it('reports every structural problem at once, by file and line', () => {
    const text = 'site,,site\nstore-1,a\nstore-2,"b"x,c\nstore-3,b"c,d\nstore-4,"open,e\n';
    const { issues } = parseCsv(text, 'stores.csv');
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'stores.csv:3: text after a closing quote ("x,c"); quote the whole cell',
      'stores.csv:4: a quote inside an unquoted cell; quote the whole cell and double the quote ("")',
      'stores.csv:5: a quoted cell is never closed; end it with " (write "" for a quote inside it)',
      'stores.csv:1: column 2 of the header row has no name; name every column',
      "stores.csv:1: column 'site' appears twice in the header row; name each column once",
      'stores.csv:2: has 2 cells but the header has 3 columns (site,,site); quote cells that contain commas',
    ]);
  });

  it('requires a header row', () => {
    expect(parseCsv('', 'empty.csv').issues).toEqual([{ path: 'empty.csv:1', message: expect.stringMatching(/no header row/) }]);
    expect(parseCsv('\n\n', 'blank.csv').issues).toHaveLength(1);
  });
});
