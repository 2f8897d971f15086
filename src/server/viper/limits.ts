// The VIPER face's request limits. A request is measured before anything in it is decoded: the
// token is found by one linear scan, the rest is read only once the token is good.

/** The longest request target of an ordinary endpoint (characters, as sent). */
export const MAX_URL_CHARS = 64 * 1024;
/** The most parameters one request may carry (the seed's largest call sends about 30). */
export const MAX_QUERY_PARAMETERS = 100;
/**
 * Endpoints that carry data in the URL (bulk produce): their limit is the server's header size
 * (about three times max.message.bytes), and it applies only after the token is accepted.
 */
export const BULK_ENDPOINTS: ReadonlySet<string> = new Set([
  'producetotopic',
  'producetotopicbulk',
  'producetotopicstream',
  'viperhpdepredict',
]);
