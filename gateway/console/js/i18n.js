// @ts-check
// Every string the console shows, in two dictionaries with the same keys (test/gateway/console.test.ts
// checks they match). `{name}` placeholders are filled by t().

const zh = {
  'app.title': '书链 · 审计控制台',
  'app.brand': '书链审计',
  'app.skip': '跳到主要内容',
  'nav.label': '主导航',
  'nav.search': '检索',
  'nav.expiring': '即将到期的授权',
  'nav.verify': '文件核验',
  'lang.label': '语言',
  'common.loading': '正在加载…',
  'common.yes': '是',
  'common.no': '否',
  'common.error': '出错了：{detail}',
  'common.unavailable': '此部分暂不可用：{detail}',
  'common.rows': '{count} 行',
  'common.rows.one': '{count} 行',
  'common.empty': '没有记录。',
  'common.total': '共 {total} 条，显示 {shown} 条',
  'export.csv': '导出 CSV',
  'export.json': '导出 JSON',
  'export.label': '导出“{caption}”为 {format}',
  'export.done': '已导出 {file}',
  'search.title': '检索资源',
  'search.intro': '按题名、主题、关键词或编号检索本馆在链上登记的资源，中文、英文均可。',
  'search.query': '检索词',
  'search.kind': '范围',
  'search.kind.resource': '资源',
  'search.kind.record': '细粒度标引记录',
  'search.withdrawn': '包括已撤回的资源',
  'search.submit': '检索',
  'search.caption': '“{q}”的检索结果',
  'search.results': '找到 {total} 条结果',
  'search.noResults': '没有找到与“{q}”相符的结果。',
  'search.prompt': '请输入检索词。',
  'col.id': '编号',
  'col.title': '题名',
  'col.status': '状态',
  'col.snippet': '摘录',
  'col.kind': '类型',
  'col.resource': '资源',
  'col.version': '版本',
  'col.size': '大小（字节）',
  'col.mediaType': '媒体类型',
  'col.sha256': 'SHA-256',
  'col.sm3': 'SM3',
  'col.cid': 'CID',
  'col.committed': '上链时间',
  'col.block': '区块',
  'col.tx': '交易',
  'col.at': '时间',
  'col.summary': '说明',
  'col.rightsId': '授权编号',
  'col.assignee': '被授权方',
  'col.assigner': '授权方',
  'col.actions': '许可行为',
  'col.notBefore': '生效',
  'col.notAfter': '截止',
  'col.inForce': '当前有效',
  'col.daysLeft': '剩余天数',
  'col.warehouse': '国家馆仓储',
  'col.matches': '与登记一致',
  'col.outcome': '结果',
  'col.run': '核查批次',
  'col.detail': '详情',
  'col.receipts': '接收回执',
  'col.fixity': '最近核查',
  'col.field': '项目',
  'col.computed': '本地计算值',
  'col.recorded': '链上登记值',
  'col.match': '一致',
  'status.active': '有效',
  'status.withdrawn': '已撤回',
  'status.granted': '已授权',
  'status.revoked': '已撤销',
  'kind.version': '登记版本',
  'kind.derivation': '派生',
  'kind.batch': '标引批次上链',
  'kind.rights-granted': '授权',
  'kind.rights-revoked': '撤销授权',
  'kind.receipt': '接收回执',
  'kind.fixity': '固定性核查',
  'kind.withdrawal': '撤回',
  'kind.granted': '授权',
  'kind.revoked': '撤销',
  'kind.resource': '资源',
  'kind.record': '标引记录',
  'outcome.pass': '通过',
  'outcome.fail': '失败',
  'resource.title': '资源 {id}',
  'resource.owner': '所属机构',
  'resource.status': '状态',
  'resource.head': '当前版本',
  'resource.created': '首次登记',
  'resource.updated': '最近变更',
  'resource.withdrawn': '该资源已于 {at} 撤回（原因：{reason}）。',
  'resource.verification': '核验状态',
  'resource.verifyThis': '用本地文件核验此资源',
  'resource.versions': '版本',
  'resource.timeline': '版本时间线（版本、派生、撤回、回执）',
  'resource.rights': '授权记录',
  'resource.rightsHistory': '授权历史',
  'resource.receipts': '国家馆接收回执',
  'resource.fixity': '固定性核查结果',
  'resource.alert': '网关在传输版本 {version} 时发现内容与链上登记不符。',
  'verify.receiptsOk': '版本 {version}：{count} 份回执，均与登记一致',
  'verify.receiptsOk.one': '版本 {version}：1 份回执，与登记一致',
  'verify.receiptsBad': '版本 {version}：有回执与登记不一致',
  'verify.noReceipts': '版本 {version}：尚无接收回执',
  'verify.fixityPass': '版本 {version}：最近一次固定性核查通过（{at}）',
  'verify.fixityFail': '版本 {version}：最近一次固定性核查失败（{at}）',
  'expiring.title': '即将到期的授权',
  'expiring.intro': '列出当前有效、并将在所选天数内到期的版权授权。',
  'expiring.days': '到期天数',
  'expiring.daysOption': '{n} 天内',
  'expiring.submit': '查看',
  'expiring.caption': '{n} 天内到期的授权',
  'expiring.none': '{n} 天内没有到期的授权。',
  'verify.title': '文件核验',
  'verify.intro': '把文件拖到下面，或选择文件。文件只在本浏览器中计算 SHA-256 与 SM3，不会上传；然后与链上登记比对。',
  'verify.resource': '资源编号',
  'verify.resourceHint': '可不填：不填时按文件摘要在所有资源的版本中查找；填写后只与该资源的版本比对。',
  'verify.drop': '把文件拖放到这里',
  'verify.or': '或',
  'verify.choose': '选择文件',
  'verify.hashing': '正在本地计算摘要：{name}',
  'verify.needResource': '此网关不能按摘要查找版本：请填写资源编号。',
  'verify.match': '✓ 与链上登记一致：资源 {id} 的版本 {version}（SHA-256 与 SM3 均一致）。',
  'verify.mismatch': '✗ 链上没有这个文件：资源 {id} 的任何版本都与它的摘要不符。',
  'verify.notFound': '✗ 链上没有这个文件：没有任何资源的版本具有这个 SHA-256。',
  'verify.partial': '✗ 摘要不一致：SHA-256 与版本 {version} 相符，但 SM3 不符。',
  'verify.unknownResource': '✗ 链上没有资源 {id}。',
  'verify.sizeBytes': '大小（字节）',
  'verify.caption': '{name} 的摘要比对',
  'verify.versionsCaption': '资源 {id} 的登记版本',
  'verify.method': 'SHA-256 由 {sha} 计算，SM3 由本控制台的 JavaScript 实现计算',
  'verify.method.webcrypto': 'WebCrypto',
  'verify.method.js': '本控制台的增量实现',
  'verify.openResource': '打开资源 {id} 的审计页',
  'verify.matchesCaption': '具有此 SHA-256 的登记版本',
};

/** @type {Record<keyof typeof zh, string>} */
const en = {
  'app.title': 'Shulian · Audit console',
  'app.brand': 'Shulian audit',
  'app.skip': 'Skip to main content',
  'nav.label': 'Main',
  'nav.search': 'Search',
  'nav.expiring': 'Rights expiring soon',
  'nav.verify': 'Verify a file',
  'lang.label': 'Language',
  'common.loading': 'Loading…',
  'common.yes': 'yes',
  'common.no': 'no',
  'common.error': 'Something went wrong: {detail}',
  'common.unavailable': 'This part is not available: {detail}',
  'common.rows': '{count} rows',
  'common.rows.one': '{count} row',
  'common.empty': 'No records.',
  'common.total': '{total} in all, {shown} shown',
  'export.csv': 'Export CSV',
  'export.json': 'Export JSON',
  'export.label': 'Export “{caption}” as {format}',
  'export.done': 'Exported {file}',
  'search.title': 'Search resources',
  'search.intro':
    'Find the resources this library registered on chain by title, subject, keyword or id, in Chinese or English.',
  'search.query': 'Search terms',
  'search.kind': 'Scope',
  'search.kind.resource': 'Resources',
  'search.kind.record': 'Fine-grained indexing records',
  'search.withdrawn': 'Include withdrawn resources',
  'search.submit': 'Search',
  'search.caption': 'Results for “{q}”',
  'search.results': '{total} results',
  'search.noResults': 'Nothing matches “{q}”.',
  'search.prompt': 'Enter search terms.',
  'col.id': 'Id',
  'col.title': 'Title',
  'col.status': 'Status',
  'col.snippet': 'Excerpt',
  'col.kind': 'Kind',
  'col.resource': 'Resource',
  'col.version': 'Version',
  'col.size': 'Size (bytes)',
  'col.mediaType': 'Media type',
  'col.sha256': 'SHA-256',
  'col.sm3': 'SM3',
  'col.cid': 'CID',
  'col.committed': 'Committed',
  'col.block': 'Block',
  'col.tx': 'Transaction',
  'col.at': 'Time',
  'col.summary': 'Summary',
  'col.rightsId': 'Rights id',
  'col.assignee': 'Assignee',
  'col.assigner': 'Assigner',
  'col.actions': 'Permitted actions',
  'col.notBefore': 'From',
  'col.notAfter': 'Until',
  'col.inForce': 'In force',
  'col.daysLeft': 'Days left',
  'col.warehouse': 'Warehouse',
  'col.matches': 'Matches the record',
  'col.outcome': 'Outcome',
  'col.run': 'Audit run',
  'col.detail': 'Detail',
  'col.receipts': 'Receipts',
  'col.fixity': 'Latest fixity',
  'col.field': 'Field',
  'col.computed': 'Computed here',
  'col.recorded': 'On chain',
  'col.match': 'Match',
  'status.active': 'active',
  'status.withdrawn': 'withdrawn',
  'status.granted': 'granted',
  'status.revoked': 'revoked',
  'kind.version': 'version registered',
  'kind.derivation': 'derivation',
  'kind.batch': 'indexing batch anchored',
  'kind.rights-granted': 'rights granted',
  'kind.rights-revoked': 'rights revoked',
  'kind.receipt': 'receipt',
  'kind.fixity': 'fixity check',
  'kind.withdrawal': 'withdrawal',
  'kind.granted': 'granted',
  'kind.revoked': 'revoked',
  'kind.resource': 'resource',
  'kind.record': 'indexing record',
  'outcome.pass': 'pass',
  'outcome.fail': 'fail',
  'resource.title': 'Resource {id}',
  'resource.owner': 'Owner',
  'resource.status': 'Status',
  'resource.head': 'Head version',
  'resource.created': 'First registered',
  'resource.updated': 'Last changed',
  'resource.withdrawn': 'This resource was withdrawn on {at} (reason: {reason}).',
  'resource.verification': 'Verification status',
  'resource.verifyThis': 'Verify a local file against this resource',
  'resource.versions': 'Versions',
  'resource.timeline': 'Version timeline (versions, derivations, withdrawals, receipts)',
  'resource.rights': 'Rights records',
  'resource.rightsHistory': 'Rights history',
  'resource.receipts': 'Transfer receipts of the National Library',
  'resource.fixity': 'Fixity results',
  'resource.alert': 'The gateway found content of version {version} that does not match the chain while sending it.',
  'verify.receiptsOk': 'Version {version}: {count} receipts, all matching the record',
  'verify.receiptsOk.one': 'Version {version}: 1 receipt, matching the record',
  'verify.receiptsBad': 'Version {version}: a receipt does not match the record',
  'verify.noReceipts': 'Version {version}: no receipt yet',
  'verify.fixityPass': 'Version {version}: latest fixity check passed ({at})',
  'verify.fixityFail': 'Version {version}: latest fixity check FAILED ({at})',
  'expiring.title': 'Rights expiring soon',
  'expiring.intro': 'Copyright authorisations in force that end within the chosen number of days.',
  'expiring.days': 'Ending within',
  'expiring.daysOption': '{n} days',
  'expiring.submit': 'Show',
  'expiring.caption': 'Rights ending within {n} days',
  'expiring.none': 'No rights end within {n} days.',
  'verify.title': 'Verify a file',
  'verify.intro':
    'Drop a file below or choose one. Its SHA-256 and SM3 are computed in this browser only — nothing is uploaded — and compared with the chain.',
  'verify.resource': 'Resource id',
  'verify.resourceHint':
    'Optional: left empty, the file’s digest is looked up among the versions of every resource; filled in, only that resource’s versions are compared.',
  'verify.drop': 'Drop a file here',
  'verify.or': 'or',
  'verify.choose': 'Choose a file',
  'verify.hashing': 'Hashing {name} in this browser',
  'verify.needResource': 'This gateway cannot look versions up by digest: enter the resource id.',
  'verify.match': '✓ On chain: version {version} of resource {id} (SHA-256 and SM3 both match).',
  'verify.mismatch': '✗ Not on chain: no version of resource {id} has these digests.',
  'verify.notFound': '✗ Not on chain: no version of any resource has this SHA-256.',
  'verify.partial': '✗ Digests disagree: SHA-256 matches version {version} but SM3 does not.',
  'verify.unknownResource': '✗ There is no resource {id} on chain.',
  'verify.sizeBytes': 'Size (bytes)',
  'verify.caption': 'Digests of {name} compared',
  'verify.versionsCaption': 'Registered versions of resource {id}',
  'verify.method': 'SHA-256 by {sha}; SM3 by this console’s JavaScript implementation',
  'verify.method.webcrypto': 'WebCrypto',
  'verify.method.js': 'this console’s incremental implementation',
  'verify.openResource': 'Open the audit page of resource {id}',
  'verify.matchesCaption': 'Registered versions with this SHA-256',
};

export const DICTIONARIES = { 'zh-CN': zh, en };
/** @typedef {keyof typeof zh} Key */
/** @typedef {keyof typeof DICTIONARIES} Lang */

const STORE = 'shulian.console.lang';

/** The remembered choice, else the browser's preference (the same list it sends as Accept-Language). */
export function initialLang() {
  try {
    const saved = localStorage.getItem(STORE);
    if (saved === 'en' || saved === 'zh-CN') return saved;
  } catch {
    // storage can be disabled; the preference then lasts for the page only
  }
  for (const l of navigator.languages ?? [navigator.language]) {
    const lower = l.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'zh-CN';
}

/** @type {Lang} */
let current = 'zh-CN';

/** @param {Lang} lang @param {boolean} remember */
export function setLang(lang, remember) {
  current = lang;
  document.documentElement.lang = lang;
  if (remember) {
    try {
      localStorage.setItem(STORE, lang);
    } catch {
      // see initialLang
    }
  }
}

export const lang = () => current;

/** @param {Key} key @param {Record<string, string | number>} [params] */
export function t(key, params = {}) {
  const text = DICTIONARIES[current][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/**
 * t() for a count: the `.one` variant where the language's plural rules say "one" (English), else the key.
 * @param {Key} key @param {number} count @param {Record<string, string | number>} [params]
 */
export function tn(key, count, params = {}) {
  const one = /** @type {Key} */ (`${key}.one`);
  const useOne = new Intl.PluralRules(current).select(count) === 'one' && one in DICTIONARIES[current];
  return t(useOne ? one : key, { ...params, count });
}
