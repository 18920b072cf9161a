// Picks the adapter for a source's kind; the composition root passes this to the pull-sources service.
import type { SourceRow } from '../db/repositories/sources.js';
import { AsteriskAri, type AriConfig } from './asterisk-ari.js';
import { AsteriskCdrCsv, type CdrCsvConfig } from './asterisk-cdr-csv.js';
import { AsteriskCdrSql, type CdrSqlConfig } from './asterisk-cdr-sql.js';
import { OktellHttp, type OktellConfig } from './oktell-http.js';
import type { PullSource } from './port.js';

export type OpenSource = (source: Pick<SourceRow, 'kind' | 'config'>) => PullSource;

export const openSource: OpenSource = ({ kind, config }) => {
  const zone = String(config.timezone ?? 'UTC');
  switch (kind) {
    case 'asterisk_cdr_csv':
      return new AsteriskCdrCsv(config as unknown as CdrCsvConfig, zone);
    case 'asterisk_cdr_sql': {
      const sql = config as unknown as Omit<CdrSqlConfig, 'dialect'>;
      return new AsteriskCdrSql({ ...sql, dialect: sql.url.startsWith('mysql:') ? 'mysql' : 'postgres' }, zone);
    }
    case 'asterisk_ari':
      return new AsteriskAri(config as unknown as AriConfig, zone);
    case 'oktell_http':
      return new OktellHttp(config as unknown as OktellConfig, zone);
  }
};
