import { sqlVariants } from '../../src/db/sql';

test('each combination of options is built once and gives the same text', () => {
  let builds = 0;
  const sql = sqlVariants((o: { total: boolean; limit: number }) => {
    builds++;
    return `SELECT x${o.total ? ', count(*) OVER () AS total' : ''} FROM t LIMIT ${o.limit}`;
  });
  const a = sql({ total: true, limit: 101 });
  expect(a).toBe('SELECT x, count(*) OVER () AS total FROM t LIMIT 101');
  expect(sql({ total: true, limit: 101 })).toBe(a);
  expect(sql({ total: false, limit: 101 })).toBe('SELECT x FROM t LIMIT 101');
  expect(sql({ total: false, limit: 11 })).toBe('SELECT x FROM t LIMIT 11');
  expect(sql({ total: false, limit: 11 })).toBe('SELECT x FROM t LIMIT 11');
  expect(builds).toBe(3);
});
