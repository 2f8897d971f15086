import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeComponent, parseViperQuery, parseViperRequestLine } from '../../src/server/viper/query.js';

test('+ and %20 both decode as a space', () => {
  assert.equal(decodeComponent('Test+Training'), 'Test Training');
  assert.equal(decodeComponent('Test%20Training'), 'Test Training');
  assert.equal(decodeComponent('a%2Bb'), 'a+b');
});

test('percent escapes decode as UTF-8, and malformed escapes stay literal without throwing', () => {
  assert.equal(decodeComponent('Montr%C3%A9al'), 'Montréal');
  assert.equal(decodeComponent('100%'), '100%');
  assert.equal(decodeComponent('%zz%4'), '%zz%4');
  assert.equal(decodeComponent('%25'), '%');
  // A lone continuation byte is not valid UTF-8: it becomes U+FFFD rather than an exception.
  assert.equal(decodeComponent('a%80b'), 'a\uFFFDb');
  assert.equal(decodeComponent('%E2%82%AC'), '€');
});

test('pairs split at & and each pair at its FIRST =', () => {
  const { params } = parseViperQuery('flags=topic=a,topictype=numeric&constraints=v:0:10&empty=&bare');
  assert.equal(params.get('flags'), 'topic=a,topictype=numeric');
  assert.equal(params.get('constraints'), 'v:0:10');
  assert.equal(params.get('empty'), '');
  assert.equal(params.get('bare'), '');
});

test('a repeated parameter keeps its first value and is reported', () => {
  const { params, repeated } = parseViperQuery('topic=a&topic=b&x=1');
  assert.equal(params.get('topic'), 'a');
  assert.deepEqual(repeated, ['topic']);
});

test('the path splits from the query at the first ? only', () => {
  const line = parseViperRequestLine('/producetotopic?vipertoken=t&inputdata=what?why&topic=a');
  assert.equal(line.endpoint, 'producetotopic');
  assert.equal(line.microservice, undefined);
  assert.equal(line.params.get('inputdata'), 'what?why');
  assert.equal(line.params.get('topic'), 'a');
});

test('an optional microservice segment precedes the endpoint', () => {
  const line = parseViperRequestLine('/viper-ms/CreateTopics?vipertoken=t&topic=a');
  assert.equal(line.microservice, 'viper-ms');
  assert.equal(line.endpoint, 'createtopics');
});

test('areyoubusy arrives with no query at all', () => {
  const line = parseViperRequestLine('/areyoubusy');
  assert.equal(line.endpoint, 'areyoubusy');
  assert.equal(line.params.size, 0);
});

test('what aiohttp sends for the seed createtopics call parses back to the raw values', () => {
  // Spaces became +, the newline in a flags value was dropped, `|` was percent-encoded.
  const line = parseViperRequestLine(
    '/createtopics?vipertoken=tml_0123456789abcdef_x&topic=viperdependentvariable&companyname=OTICS' +
      '&contactname=Sebastian&contactemail=Sebastian.maurice&location=Toronto&description=Test+Training' +
      '&enabletls=1&numpartitions=3&replicationfactor=3&brokerhost=&brokerport=-999&hpdehost=x&hpdeport=8001' +
      '&flags=v2%3Da%5Eb%7Cc++++sc%3E.6',
  );
  assert.equal(line.params.get('description'), 'Test Training');
  assert.equal(line.params.get('brokerhost'), '');
  assert.equal(line.params.get('numpartitions'), '3');
  assert.equal(line.params.get('flags'), 'v2=a^b|c    sc>.6');
});
