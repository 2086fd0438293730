// The console's English messages; the same keys as zh-CN.ts (the type
// check in index.ts makes sure none is missing).
import type zh from './zh-CN'

const en: typeof zh = {
  app: { title: 'zhdj · Admin console', language: 'Language', signOut: 'Sign out', loading: 'Loading…', loadMore: 'Load more', noMore: 'No more', retryIn: 'Try again in {s} s' },
  nav: { media: 'Media library', sites: 'Sites', workspace: 'Content workspace', members: 'Member records', volunteer: 'Volunteering', interaction: 'Interaction', tasks: 'Tasks', cockpit: 'Data cockpit' },
  login: { title: 'Sign in', school: 'School code', identifier: 'Username, mobile or e-mail', password: 'Password', submit: 'Sign in', failed: 'Sign-in failed' },
  me: { boundAt: '{role} at {unit}', permissions: 'Permissions' },
  workspace: {
    title: 'Content workspace', new: 'New article', newLesson: 'New micro-lesson', newComic: 'New comic', query: 'Title or slug', status: 'Status', type: 'Type', any: 'Any',
    columns: { title: 'Title', type: 'Type', status: 'Status', unit: 'Org unit', sites: 'Sites', updated: 'Updated' },
    empty: 'Nothing matches',
  },
  status: { DRAFT: 'Draft', IN_REVIEW: 'In review', SCHEDULED: 'Scheduled', PUBLISHED: 'Published', ARCHIVED: 'Archived' },
  type: { ARTICLE: 'Article', MICRO_LESSON: 'Micro-lesson', COMIC: 'Comic' },
  siteDisplay: { title: 'Shown on the sites', site: 'Site', shown: 'Shown', featured: 'Featured', shownOn: 'Shown on {site}', featuredOn: 'Featured on {site}', saved: 'Site display updated' },
  content: {
    editTitle: 'Edit content', slug: 'Slug (for URLs)', title: 'Title', summary: 'Summary', tags: 'Tags (comma-separated)',
    video: 'Video', speaker: 'Speaker', duration: 'Duration (seconds; filled in once the video is processed; learning progress is measured by it)', newTitle: 'New', subtree: 'Also show it on the sites of every unit below (publish once, show on many sites)', cover: 'Cover image', chooseCover: 'Choose a cover', coverProcessing: 'Processing the cover…', body: 'Body', save: 'Save', saved: 'Saved',
    submit: 'Submit for review', submitted: 'Submitted for review', approve: 'Approve and publish', publishAt: 'Publish at (empty: now)', approved: 'Approved',
    sendBack: 'Send back', sendBackComment: 'What to change', sentBack: 'Sent back', unpublish: 'Unpublish', unpublished: 'Unpublished',
    reviewComment: 'Reviewer\'s comment', fixFields: 'Please correct the fields marked in red', back: 'Back to the list', bold: 'Bold', italic: 'Italic', heading: 'Heading', list: 'List',
  },
  comic: { series: 'Series', episode: 'Episode', panels: 'Panels (in reading order)', add: 'Add panel images (several at once)', uploading: '{n} still uploading…', caption: 'Caption of panel {n}', captionHint: 'Caption (optional)', alt: 'Alt text of panel {n}', altHint: 'Alt text: what the panel shows, for screen readers', failed: 'The image could not be processed' },
  video: {
    choose: 'Choose a video file', progress: 'Upload progress', pause: 'Pause', resume: 'Resume', resumed: 'resuming where it stopped', failed: 'The video could not be processed',
    state: { idle: '', uploading: 'Uploading…', paused: 'Paused', completing: 'Assembling…', done: 'Uploaded', failed: 'Upload failed' },
    processing: { UPLOADING: 'Waiting for the upload', PROCESSING: 'Processing the video…', READY: 'The video is ready', FAILED: 'Processing failed' },
  },
  revisions: { title: 'Revisions', version: 'Version', savedAt: 'Saved', savedBy: 'By', note: 'Note', diff: 'Compare with the newest', diffOf: 'Changes from version {v} to the newest', restore: 'Restore', restored: 'Version {v} restored (as a new version)' },
  sites: {
    title: 'Sites', none: 'The units you manage have no sites', name: 'Name', description: 'Description', origins: 'Front-end origins (one per line; CORS and siteByOrigin)', maxAge: 'Cache time for anonymous readers (seconds, 0: default)',
    colors: { primary: 'Primary', secondary: 'Secondary', accent: 'Accent', background: 'Background', surface: 'Surface', text: 'Text' },
    radius: 'Corner radius (px)', fontHeading: 'Heading font', save: 'Save the site', saved: 'Saved; every front end shows it at once', navigation: 'Navigation', homeBlocks: 'Home page blocks', preview: 'Live preview', previewHero: 'Study, strengthen, practise, achieve', previewCard: 'An article title',
  },
  nav_edit: {
    label: 'Label', kind: 'Kind', kinds: { content_list: 'Content list', page: 'One item', external: 'External link', group: 'Group' }, types: 'Content types', tags: 'Tags (comma-separated)', topics: 'Topics (comma-separated)',
    pageSlug: 'Item slug', url: 'URL', up: 'Move up', down: 'Move down', remove: 'Remove', add: 'Add an item', addGroup: 'Add a group',
  },
  blocks: {
    type: 'Block type', types: { hero: 'Banner', content_list: 'Content list', featured: 'Featured', links: 'Links' }, title: 'Block title', subtitle: 'Subtitle', linkUrl: 'Link URL',
    limit: 'Items', linkLabel: 'Link label', addLink: 'Add a link', add: 'Add a block',
  },
  media: { title: 'Media library', purpose: 'Purpose', status: 'Status', mine: 'Only my uploads', purposes: { COVER: 'Cover', VIDEO: 'Video', COMIC_PANEL: 'Comic panel', INLINE_IMAGE: 'Inline image', ATTACHMENT: 'Attachment', LOGO: 'Logo' } },
  import: { title: 'Import a member roster', file: 'Roster (.xlsx or .csv)', mode: 'When rows have problems', allOrNothing: 'Import nothing', validOnly: 'Import the rows without problems', start: 'Import', row: 'Row', column: 'Column', problem: 'Problem', result: '{status}: {imported} of {total} rows imported', status: { RUNNING: 'Importing', SUCCEEDED: 'Imported', REJECTED: 'The file has problems; nothing imported', FAILED: 'The import failed' } },
  transfer: { title: '{name}: transfer the relationship', where: 'To', inside: 'another branch of the school', outside: 'an outside organisation', toUnit: 'Receiving branch', externalOrg: 'Receiving organisation', letterNo: 'Letter number', save: 'Transfer', done: '{name} transferred' },
  members: {
    title: 'Member records', query: 'Name, whole mobile or citizen ID', stage: 'Stage', reveal: 'Show in full', revealNote: 'Showing the full citizen ID and mobile is recorded in the audit log',
    step: 'Stage step', stepOf: '{name}: record a stage step', to: 'To', saveStep: 'Record', transfer: 'Transfer', importRoster: 'Import roster', export: 'Export', exportUnmasked: 'Export whole IDs (audited)', exported: '{rows} members exported', required: 'Required', fields: { effectiveOn: 'Effective on', talkOn: 'Talk on', politicalReviewOn: 'Political review on', branchMeetingOn: 'Branch meeting on', approvedOn: 'Approved on', votersEligible: 'Members with a vote', votersPresent: 'Voters present', votesFor: 'Votes for', extendDays: 'Extend probation (days)', reason: 'Reason' },
    columns: { name: 'Name', stage: 'Stage', unit: 'Branch', phone: 'Mobile', citizenId: 'Citizen ID' },
  },
  stage: { NONE: 'None', APPLICANT: 'Applicant', ACTIVIST: 'Activist', CANDIDATE: 'Candidate', PROBATIONARY: 'Probationary member', FULL: 'Full member', CANCELLED: 'Cancelled' },
  role: { TENANT_ADMIN: 'School admin', ORG_ADMIN: 'Org admin', EDITOR: 'Editor', REVIEWER: 'Reviewer', RESPONDER: 'Responder', MEMBER: 'Member' },
  volunteer: {
    title: 'Volunteer activities', status: 'Status', new: 'New activity', edit: 'Edit', save: 'Save activity', saved: 'Activity saved', empty: 'Your units have no activities yet', roster: 'Roster', screen: 'Check-in screen',
    columns: { title: 'Activity', status: 'Status', startsAt: 'Starts', places: 'Taken / places', unit: 'Organised by' },
    change: { OPEN: 'Open sign-up', CLOSED: 'Close sign-up', FINISHED: 'Finish', CANCELLED: 'Cancel' },
    fields: { orgUnit: 'Organised by', title: 'Title', description: 'Description', address: 'Address', area: 'Area', topics: 'Topics', signupOpensAt: 'Sign-up opens', signupClosesAt: 'Sign-up closes', startsAt: 'Starts', endsAt: 'Ends', capacity: 'Places', hours: 'Volunteer hours', audience: 'Open to' },
  },
  activityStatus: { DRAFT: 'Draft', OPEN: 'Open', FULL: 'Full', CLOSED: 'Closed', FINISHED: 'Finished', CANCELLED: 'Cancelled' },
  audience: { ALL_STUDENTS: 'All students', MEMBERS_AND_ACTIVISTS: 'Members, activists and candidates', MEMBERS: 'Full and probationary members' },
  signUpStatus: { CONFIRMED: 'Confirmed', WAITLISTED: 'Waitlisted', CANCELLED: 'Cancelled' },
  roster: {
    title: '{title}: roster', export: 'Export roster', reload: 'Reload', empty: 'Nobody has signed up yet', confirm: 'Confirm hours', adjust: 'Adjust hours', adjustOf: '{name}: adjust the hours', reason: 'Reason', save: 'Confirm',
    confirmed: "{name}'s hours confirmed", confirmedTag: 'Confirmed', exported: '{rows} people exported',
    columns: { name: 'Name', status: 'Status', in: 'In', out: 'Out', hours: 'Hours' },
  },
  screen: { title: '{title}: check-in screen', kind: 'Check-in or check-out', in: 'Check in', out: 'Check out', hintIn: 'Enter the digits below or scan to check in', hintOut: 'Enter the digits below or scan to check out', qr: 'Check-in QR code', expires: 'Valid until {at}; renews by itself' },
  interaction: { title: 'Interaction', queue: 'Moderation queue', suggestions: 'Suggestions', words: 'Word list' },
  queue: {
    kind: 'Kind', kinds: { COMMENT: 'Comment', SUGGESTION: 'Suggestion', REPLY: 'Follow-up' }, text: 'Text', why: 'Why it waits', reports: '{n} reports', premoderated: 'Pre-moderated', empty: 'Nothing waits for a decision',
    approve: 'Approve', reject: 'Reject', rejectTitle: 'Why it is rejected', reason: 'Reason (the author is told)', approved: 'Approved; it shows now', rejected: 'Rejected',
  },
  suggestions: {
    unit: 'Unit', status: 'Status', empty: 'No suggestions match', pinned: 'Pinned', anonymous: 'Anonymous', official: 'Official reply', reply: 'Official reply', send: 'Publish the reply', replied: 'Reply published',
    pin: 'Pin', unpin: 'Unpin', pinnedDone: 'Pinned', unpinned: 'Unpinned', close: 'Close', closed: 'Closed', rejectReason: 'Why it is not taken up', reject: 'Reject', rejectedDone: 'Rejected',
    columns: { title: 'Title', author: 'From', status: 'Status', due: 'Answer due', votes: 'Votes' },
  },
  suggestionStatus: { OPEN: 'Open', ANSWERED: 'Answered', CLOSED: 'Closed', REJECTED: 'Rejected' },
  words: { label: 'Words (one per line; version {v})', save: 'Save the list', saved: 'Word list saved ({n} words)' },
  tasks: {
    title: 'Tasks', new: 'Publish a task', publish: 'Publish', empty: 'No tasks yet', published: 'Task published to {n} people', unit: 'Unit', progress: 'Progress by unit', own: 'its own', total: 'Total', assignees: 'Assignees', noAssignees: 'Nobody in this status',
    late: 'Late', submission: 'Submission', comment: 'Review comment', approve: 'Approve', return: 'Return', approved: 'Approved', returned: 'Returned',
    columns: { title: 'Task', unit: 'Published by', deadline: 'Deadline', assignees: 'People' },
    counts: { assigned: 'Not started', inProgress: 'In progress', submitted: 'To review', returned: 'Returned', approved: 'Approved', overdue: 'Overdue' },
    fields: { title: 'Title', requirements: 'Requirements', checklist: 'Checklist (one item per line, evidence for each)', deadline: 'Deadline', stages: 'For (people of these stages at or below the unit)', pointsHint: 'Points on approval (a hint)', evidenceRequired: 'Evidence required' },
  },
  taskStatus: { ASSIGNED: 'Assigned', IN_PROGRESS: 'In progress', SUBMITTED: 'Submitted', RETURNED: 'Returned', APPROVED: 'Approved', OVERDUE: 'Overdue' },
  cockpit: {
    title: 'Data cockpit', period: 'Period', periods: { MONTH: 'This month', QUARTER: 'This quarter', YEAR: 'This year' }, figures: 'Figures', warnings: 'Warnings', people: 'People', nearNext: 'Near their next stage',
    learning: 'Learning', learners: '{n} of {of} studied, {facts} times in all', weekly: 'People studying each week', notLearning: 'Not studying', tasks: 'Tasks done', taskCounts: '{assigned} due, {approved} approved',
    overdue: 'Overdue', points: 'Mean points', top: 'Highest', lowPoints: 'People with low points', volunteering: 'Volunteering', volunteers: '{n} took part, {hours} hours', notVolunteering: 'Not volunteering',
    meetings: 'Meetings and lessons attended', kind: 'Kind', held: 'Held / due', withMinutes: 'With minutes', present: 'Present / expected', peopleCount: '{n} people', detail: 'Detail',
  },
  eventKind: { MEMBERS_MEETING: 'Members meeting', COMMITTEE_MEETING: 'Committee meeting', GROUP_MEETING: 'Group meeting', PARTY_LESSON: 'Party lesson', THEME_DAY: 'Theme day', DEMOCRATIC_LIFE: 'Democratic life meeting', OTHER: 'Other' },
  warnings: { empty: 'No warnings', what: 'Warning', unit: 'Unit', raised: 'Raised', escalated: 'escalated {n} times, now with {to}', acknowledge: 'Acknowledge', resolve: 'Resolve', ackNote: 'Note (optional)', resolveNote: 'What was done (required)', acknowledged: 'Acknowledged; it stops escalating', resolved: 'Resolved' },
  warningStatus: { OPEN: 'Open', ACKNOWLEDGED: 'Acknowledged', RESOLVED: 'Resolved', CLEARED: 'Cleared' },
  errors: { NETWORK: 'Cannot reach the server', INTERNAL: 'The server failed; please try again later' },
}
export default en
