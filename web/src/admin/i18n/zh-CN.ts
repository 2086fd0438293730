// 控制台的中文文案（默认语言）。键与 en.ts 一一对应，类型检查保证不缺。
export default {
  app: { title: '智慧党建 · 管理控制台', language: '语言', signOut: '退出登录', loading: '加载中…', loadMore: '加载更多', noMore: '没有更多了', retryIn: '请 {s} 秒后再试' },
  nav: { media: '媒体库', sites: '站点设置', workspace: '内容工作台', members: '党员档案' },
  login: { title: '登录', school: '学校代码', identifier: '用户名 / 手机号 / 邮箱', password: '密码', submit: '登录', failed: '登录失败' },
  me: { boundAt: '{role}，{unit}', permissions: '权限' },
  workspace: {
    title: '内容工作台', new: '新建文章', newLesson: '新建微党课', query: '标题或别名', status: '状态', type: '类型', any: '全部',
    columns: { title: '标题', type: '类型', status: '状态', unit: '所属组织', sites: '展示站点', updated: '更新时间' },
    empty: '没有符合条件的内容',
  },
  status: { DRAFT: '草稿', IN_REVIEW: '待审核', SCHEDULED: '定时发布', PUBLISHED: '已发布', ARCHIVED: '已归档' },
  type: { ARTICLE: '文章', MICRO_LESSON: '微党课', COMIC: '主题漫画' },
  siteDisplay: { title: '各站点展示', site: '站点', shown: '在此展示', featured: '推荐', shownOn: '在{site}展示', featuredOn: '在{site}推荐', saved: '站点展示已更新' },
  content: {
    editTitle: '编辑内容', slug: '别名（网址用）', title: '标题', summary: '摘要', tags: '标签（逗号分隔）',
    video: '视频', speaker: '主讲人', newTitle: '新建', subtree: '同时在下级各单位的站点展示（一次发布，多站展示）', cover: '封面图', chooseCover: '选择封面', coverProcessing: '封面处理中…', body: '正文', save: '保存', saved: '已保存',
    submit: '提交审核', submitted: '已提交审核', approve: '审核通过并发布', publishAt: '定时发布（留空为立即）', approved: '已通过',
    sendBack: '退回修改', sendBackComment: '退回意见', sentBack: '已退回', unpublish: '撤回发布', unpublished: '已撤回',
    reviewComment: '审核意见', fixFields: '请按提示修改标红的字段', back: '返回列表', bold: '加粗', italic: '斜体', heading: '小标题', list: '列表',
  },
  video: {
    choose: '选择视频文件', progress: '上传进度', pause: '暂停', resume: '继续上传', resumed: '接着上次的进度', failed: '视频处理失败',
    state: { idle: '', uploading: '正在上传…', paused: '已暂停', completing: '正在合并…', done: '上传完成', failed: '上传出错' },
    processing: { UPLOADING: '等待上传', PROCESSING: '正在处理视频…', READY: '视频已就绪', FAILED: '视频处理失败' },
  },
  revisions: { title: '历史版本', version: '版本', savedAt: '保存时间', savedBy: '保存人', note: '说明', diff: '与最新版本比较', diffOf: '第 {v} 版与最新版本的差异', restore: '恢复此版本', restored: '已恢复第 {v} 版（另存为新版本）' },
  sites: {
    title: '站点设置', none: '您管理的单位没有站点', name: '站点名称', description: '简介', origins: '前端地址（每行一个，用于跨域和 siteByOrigin）', maxAge: '匿名访问缓存时间（秒，0 为默认）',
    colors: { primary: '主色', secondary: '辅助色', accent: '强调色', background: '背景色', surface: '卡片底色', text: '文字色' },
    radius: '圆角（像素）', fontHeading: '标题字体', save: '保存站点', saved: '站点已保存，各前端随即生效', preview: '实时预览', previewHero: '学思想 强党性 重实践 建新功', previewCard: '示例文章标题',
  },
  media: { title: '媒体库', purpose: '用途', status: '状态', mine: '只看我上传的', purposes: { COVER: '封面', VIDEO: '视频', COMIC_PANEL: '漫画分格', INLINE_IMAGE: '正文图片', ATTACHMENT: '附件', LOGO: '标志' } },
  import: { title: '导入党员名册', file: '名册文件（.xlsx 或 .csv）', mode: '有问题时', allOrNothing: '全部不导入', validOnly: '只导入没有问题的行', start: '开始导入', row: '行', column: '列', problem: '问题', result: '{status}：已导入 {imported} / {total} 行', status: { RUNNING: '导入中', SUCCEEDED: '导入完成', REJECTED: '文件有问题，未导入', FAILED: '导入失败' } },
  transfer: { title: '{name}：组织关系转接', where: '转往', inside: '校内其他支部', outside: '校外组织', toUnit: '转入支部', externalOrg: '转入的校外组织', letterNo: '介绍信编号', save: '转出', done: '{name}的组织关系已转出' },
  members: {
    title: '党员档案', query: '姓名、完整手机号或身份证号', stage: '发展阶段', reveal: '查看完整信息', revealNote: '查看完整身份证号和手机号会记入审计日志',
    step: '阶段变更', stepOf: '{name}：发展阶段变更', to: '变更为', saveStep: '记录', transfer: '转接', importRoster: '导入名册', export: '导出', exportUnmasked: '导出完整证件号（记入审计）', exported: '已导出 {rows} 人', required: '请填写', fields: { effectiveOn: '生效日期', talkOn: '谈话日期', politicalReviewOn: '政审日期', branchMeetingOn: '支部大会日期', approvedOn: '上级批准日期', votersEligible: '有表决权人数', votersPresent: '到会有表决权人数', votesFor: '赞成票数', extendDays: '延长预备期（天）', reason: '说明' },
    columns: { name: '姓名', stage: '阶段', unit: '所在支部', phone: '手机号', citizenId: '身份证号' },
  },
  stage: { NONE: '群众', APPLICANT: '入党申请人', ACTIVIST: '入党积极分子', CANDIDATE: '发展对象', PROBATIONARY: '预备党员', FULL: '正式党员', CANCELLED: '已取消资格' },
  role: { TENANT_ADMIN: '学校管理员', ORG_ADMIN: '组织管理员', EDITOR: '编辑', REVIEWER: '审核员', RESPONDER: '答复人', MEMBER: '党员' },
  errors: { NETWORK: '无法连接服务器', INTERNAL: '服务器出错了，请稍后再试' },
}
