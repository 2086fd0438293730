// Every operation the console sends, each named, checked against the schema
// by graphql-codegen (npm run codegen).
import { graphql } from '@/gql'

export const Login = graphql(`
  mutation Login($in: LoginInput!) {
    login(input: $in) { accessToken accessTokenExpiresAt refreshToken }
  }
`)

export const Logout = graphql(`
  mutation Logout { logout { ok } }
`)

export const WhoAmI = graphql(`
  query WhoAmI {
    me {
      account { id displayName username }
      school { name code }
      roles { role orgUnit { id name } }
      permissions
    }
  }
`)

export const WorkspaceList = graphql(`
  query WorkspaceList($f: WorkspaceFilterInput, $first: Int, $after: String) {
    workspace(filter: $f, first: $first, after: $after) {
      edges { cursor node { id type slug title status updatedAt version orgUnit { name } sites { slug name } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const ContentById = graphql(`
  query ContentById($id: ID!) {
    node(id: $id) {
      ... on Content {
        id type slug title summary tags topics status version reviewComment publishAt publishedAt publishToSubtree
        cover { id url status }
        orgUnit { id }
        sites { slug name }
      }
      ... on Article { body }
      ... on MicroLesson { speaker durationSeconds video { id status url filename } }
      ... on Comic { series episode panels { caption alt image { id status url } } }
    }
  }
`)

export const CreateContent = graphql(`
  mutation CreateContent($in: CreateContentInput!) {
    createContent(input: $in) { content { id version status } }
  }
`)

export const UpdateContent = graphql(`
  mutation UpdateContent($in: UpdateContentInput!) {
    updateContent(input: $in) { content { id version status } }
  }
`)

export const SubmitContent = graphql(`
  mutation SubmitContent($id: ID!) { submitContent(input: { id: $id }) { content { id version status } } }
`)

export const ApproveContent = graphql(`
  mutation ApproveContent($id: ID!, $publishAt: Time) {
    approveContent(input: { id: $id, publishAt: $publishAt }) { content { id version status publishAt } }
  }
`)

export const SendBackContent = graphql(`
  mutation SendBackContent($id: ID!, $comment: String!) {
    sendBackContent(input: { id: $id, comment: $comment }) { content { id version status reviewComment } }
  }
`)

export const UnpublishContent = graphql(`
  mutation UnpublishContent($id: ID!) { unpublishContent(input: { id: $id }) { content { id version status } } }
`)

export const UploadImage = graphql(`
  mutation UploadImage($in: UploadImageInput!) {
    uploadImage(input: $in) { media { id status url } }
  }
`)

export const MediaState = graphql(`
  query MediaState($id: ID!) { node(id: $id) { ... on Media { id status url } } }
`)

export const MemberList = graphql(`
  query MemberList($f: MemberFilter, $first: Int, $after: String) {
    members(filter: $f, first: $first, after: $after) {
      edges { cursor node { id name stage phone citizenId orgUnit { name } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const RevealMember = graphql(`
  query RevealMember($id: ID!) {
    node(id: $id) { ... on Member { id phone(unmasked: true) citizenId(unmasked: true) } }
  }
`)

export const CreateUpload = graphql(`
  mutation CreateUpload($in: CreateUploadInput!) {
    createUpload(input: $in) { media { id status } partSize parts { number url size } uploadedParts expiresAt }
  }
`)

export const ResumeUpload = graphql(`
  mutation ResumeUpload($id: ID!) {
    resumeUpload(input: { id: $id }) { media { id status } partSize parts { number url size } uploadedParts expiresAt }
  }
`)

export const CompleteUpload = graphql(`
  mutation CompleteUpload($id: ID!) { completeUpload(input: { id: $id }) { media { id status } } }
`)

export const VideoState = graphql(`
  query VideoState($id: ID!) { node(id: $id) { ... on Media { id status url posterUrl durationSeconds failure filename } } }
`)

export const Revisions = graphql(`
  query Revisions($id: ID!) { contentRevisions(id: $id) { version savedAt note savedBy { displayName } } }
`)

export const RevisionDiff = graphql(`
  query RevisionDiff($id: ID!, $from: Int!, $to: Int!) { contentDiff(id: $id, from: $from, to: $to) }
`)

export const RestoreRevision = graphql(`
  mutation RestoreRevision($in: RestoreContentInput!) { restoreContentRevision(input: $in) { content { id version status } } }
`)

export const ManagedSites = graphql(`
  query ManagedSites($under: ID!) {
    node(id: $under) { ... on OrgUnit { id name sites { ...SiteSettings } } }
    orgUnits(under: $under, first: 50) { edges { node { id name sites { ...SiteSettings } } } }
  }
  fragment SiteSettings on Site {
    id slug name description origins publicMaxAge
    theme { colors { primary secondary accent background surface text } fonts { body heading } radius }
  }
`)

// A site's menu (three levels) and home blocks, read when the site is
// picked (for every managed site at once they would cost too much).
export const SiteLayout = graphql(`
  query SiteLayout($id: ID!) {
    node(id: $id) {
      ... on Site {
        id
        navigation { ...NavFields children { ...NavFields children { ...NavFields } } }
        homeBlocks {
          __typename
          ... on HeroBlock { title subtitle imageMediaId linkUrl }
          ... on ContentListBlock { title limit filter { types tags topics } }
          ... on FeaturedBlock { title limit }
          ... on LinkListBlock { title links { label url } }
        }
      }
    }
  }
  fragment NavFields on NavItem { label kind pageSlug url filter { types tags topics } }
`)

export const UpdateSite = graphql(`
  mutation UpdateSite($in: UpdateSiteInput!) { updateSite(input: $in) { site { ...SiteSettings updatedAt } } }
`)

export const MediaLibrary = graphql(`
  query MediaLibrary($f: MediaFilter, $first: Int, $after: String) {
    media(filter: $f, first: $first, after: $after) {
      edges { cursor node { id filename mimeType size status failure width height durationSeconds url posterUrl processingNotes createdAt uploadedBy { displayName } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const TransitionStage = graphql(`
  mutation TransitionStage($in: TransitionMemberStageInput!) {
    transitionMemberStage(input: $in) { member { id stage stageSince version } }
  }
`)

export const SiteFeaturedIds = graphql(`
  query SiteFeaturedIds($site: String!) { featured(site: $site) { id } }
`)

export const SetFeatured = graphql(`
  mutation SetFeatured($in: SetFeaturedInput!) { setFeatured(input: $in) { ok } }
`)

export const HideContent = graphql(`
  mutation HideContent($in: HideContentInput!) { hideContent(input: $in) { ok } }
`)

export const ImportMembers = graphql(`
  mutation ImportMembers($in: ImportMembersInput!) {
    importMembers(input: $in) { import { ...ImportState } }
  }
  fragment ImportState on MemberImport { id status totalRows processedRows importedRows problems { row column message } }
`)

export const MemberImportState = graphql(`
  query MemberImportState($id: String!) { memberImport(id: $id) { id status totalRows processedRows importedRows problems { row column message } } }
`)

export const ExportMembers = graphql(`
  mutation ExportMembers($in: ExportMembersInput!) { exportMembers(input: $in) { filename rows url } }
`)

export const UnitRoot = graphql(`
  query UnitRoot($unit: ID!) { node(id: $unit) { ... on OrgUnit { id ancestors { id } } } }
`)

export const SchoolBranches = graphql(`
  query SchoolBranches($root: ID!) { orgUnits(under: $root, kinds: [BRANCH], first: 100) { edges { node { id name } } } }
`)

export const TransferMember = graphql(`
  mutation TransferMember($in: TransferMemberInput!) { transferMember(input: $in) { member { id } } }
`)

export const OrganisedActivities = graphql(`
  query OrganisedActivities($f: ActivityFilterInput, $first: Int, $after: String) {
    organisedActivities(filter: $f, first: $first, after: $after) {
      edges { cursor node { ...OrganisedActivity } }
      pageInfo { hasNextPage endCursor }
    }
  }
  fragment OrganisedActivity on Activity {
    id title description address startsAt endsAt signupOpensAt signupClosesAt capacity confirmedCount audience hours status
    orgUnit { id name } area { id } topics { id }
  }
`)

export const UnitsUnder = graphql(`
  query UnitsUnder($under: ID!) {
    node(id: $under) { ... on OrgUnit { id name sites { slug } } }
    orgUnits(under: $under, first: 100) { edges { node { id name sites { slug } } } }
  }
`)

export const VolunteerTaxonomy = graphql(`
  query VolunteerTaxonomy($site: String!) {
    volunteerAreas(site: $site) { id name parentId }
    volunteerTopics(site: $site) { id name }
  }
`)

export const CreateActivity = graphql(`
  mutation CreateActivity($in: CreateActivityInput!) { createActivity(input: $in) { activity { ...OrganisedActivity } } }
`)

export const UpdateActivity = graphql(`
  mutation UpdateActivity($in: UpdateActivityInput!) { updateActivity(input: $in) { activity { ...OrganisedActivity } } }
`)

export const SetActivityStatus = graphql(`
  mutation SetActivityStatus($in: SetActivityStatusInput!) { setActivityStatus(input: $in) { activity { id status confirmedCount } } }
`)

export const ActivityRoster = graphql(`
  query ActivityRoster($id: ID!) {
    activityRoster(id: $id) { id personName status waitlistPosition checkedInAt checkedOutAt hours hoursConfirmed hoursReason createdAt }
  }
`)

export const AttendanceCodeOf = graphql(`
  query AttendanceCodeOf($id: ID!, $kind: AttendanceKind!) { attendanceCode(activityId: $id, kind: $kind) { kind code qr expiresAt } }
`)

export const ConfirmHours = graphql(`
  mutation ConfirmHours($in: ConfirmHoursInput!) { confirmHours(input: $in) { signUp { id hours hoursConfirmed hoursReason } } }
`)

export const ExportActivityRoster = graphql(`
  mutation ExportActivityRoster($id: ID!) { exportActivityRoster(input: { id: $id }) { filename rows url } }
`)

export const ModerationQueue = graphql(`
  query ModerationQueue($kinds: [ModerationItemKind!], $first: Int, $after: String) {
    moderationQueue(kinds: $kinds, first: $first, after: $after) {
      edges { cursor node { id kind authorName text matchedWords reports createdAt site { name } content { title } suggestion { id title } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const ModerateComment = graphql(`
  mutation ModerateComment($id: ID!, $decision: ModerationDecision!, $reason: String) {
    moderateComment(comment: $id, decision: $decision, reason: $reason) { comment { id status } }
  }
`)

export const ModerateSuggestion = graphql(`
  mutation ModerateSuggestion($id: ID!, $decision: ModerationDecision!, $reason: String) {
    moderateSuggestion(suggestion: $id, decision: $decision, reason: $reason) { suggestion { id moderation } }
  }
`)

export const ModerateReply = graphql(`
  mutation ModerateReply($id: ID!, $decision: ModerationDecision!, $reason: String) {
    moderateReply(reply: $id, decision: $decision, reason: $reason) { suggestion { id } }
  }
`)

export const UnitSuggestions = graphql(`
  query UnitSuggestions($unit: ID!, $f: SuggestionFilter, $first: Int, $after: String) {
    suggestions(orgUnit: $unit, filter: $f, first: $first, after: $after) {
      edges { cursor node { ...SuggestionThread } }
      pageInfo { hasNextPage endCursor }
    }
  }
  fragment SuggestionThread on Opinion {
    id category title body authorName anonymous public status rejectReason moderation matchedWords dueAt votes pinned createdAt
    orgUnit { name }
    replies { id authorName official body moderation createdAt }
  }
`)

export const ReplySuggestion = graphql(`
  mutation ReplySuggestion($in: ReplySuggestionInput!) { replySuggestion(input: $in) { suggestion { ...SuggestionThread } } }
`)

export const PinSuggestion = graphql(`
  mutation PinSuggestion($id: ID!, $order: Int) { pinSuggestion(suggestion: $id, order: $order) { suggestion { ...SuggestionThread } } }
`)

export const CloseSuggestion = graphql(`
  mutation CloseSuggestion($id: ID!, $reject: Boolean, $reason: String) {
    closeSuggestion(suggestion: $id, reject: $reject, reason: $reason) { suggestion { ...SuggestionThread } }
  }
`)

export const WordListOf = graphql(`
  query WordListOf { wordList { version words } }
`)

export const SetWordList = graphql(`
  mutation SetWordList($words: [String!]!) { setWordList(words: $words) { version words } }
`)

export const UnitTasks = graphql(`
  query UnitTasks($unit: ID!, $first: Int, $after: String) {
    tasks(orgUnit: $unit, first: $first, after: $after) {
      edges { cursor node { id title deadline assigneeCount pointsHint evidenceRequired createdAt orgUnit { name } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const TaskDetail = graphql(`
  query TaskDetail($id: ID!, $status: TaskStatus) {
    node(id: $id) {
      ... on Task {
        id title requirements checklist deadline evidenceRequired
        progress { orgUnit { id name } self total assigned inProgress submitted returned approved overdue }
        assignees(status: $status, first: 50) {
          edges { node {
            personName status late deadline orgUnit { name }
            latestSubmission { id text submittedAt decision comment attachments { id filename url } items { item text attachments { id filename url } } }
          } }
        }
      }
    }
  }
`)

export const PublishTask = graphql(`
  mutation PublishTask($in: PublishTaskInput!) { publishTask(input: $in) { task { id title deadline assigneeCount pointsHint evidenceRequired createdAt orgUnit { name } } } }
`)

export const ReviewSubmission = graphql(`
  mutation ReviewSubmission($in: ReviewSubmissionInput!) { reviewSubmission(input: $in) { submission { id decision comment decidedAt } } }
`)

export const CockpitOf = graphql(`
  query CockpitOf($unit: ID!, $period: PeriodInput) {
    cockpit(orgUnit: $unit, period: $period) {
      from to
      people { total assessed nearNextStage dueBy byStage { stage people } }
      learning { learners rate facts weekly { start count people } }
      points { mean p10 p25 p50 p75 p90 topUnits { orgUnit { name } people meanPoints } bottomUnits { orgUnit { name } people meanPoints } }
      tasks { assigned approved overdue completionRate weekly { start assigned approved overdue } }
      volunteering { participants rate hours }
      meetings { attendanceRate byKind { kind held expected frequency withMinutes present attendees } }
    }
  }
`)

export const CockpitPeopleOf = graphql(`
  query CockpitPeopleOf($unit: ID!, $period: PeriodInput, $figure: CockpitFigure!, $stage: MembershipStage, $first: Int, $after: String) {
    cockpitPeople(orgUnit: $unit, period: $period, figure: $figure, stage: $stage, first: $first, after: $after) {
      totalCount
      edges { cursor node { personId name stage detail orgUnit { name } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const UnitWarnings = graphql(`
  query UnitWarnings($unit: ID!, $status: [WarningStatus!], $first: Int, $after: String) {
    warnings(orgUnit: $unit, status: $status, first: $first, after: $after) {
      edges { cursor node { ...WarningRow } }
      pageInfo { hasNextPage endCursor }
    }
  }
  fragment WarningRow on Warning { id rule title detail status escalations raisedAt orgUnit { name } addressedTo { name } }
`)

export const AcknowledgeWarning = graphql(`
  mutation AcknowledgeWarning($id: ID!, $note: String) { acknowledgeWarning(warning: $id, note: $note) { warning { ...WarningRow } } }
`)

export const ResolveWarning = graphql(`
  mutation ResolveWarning($id: ID!, $note: String!) { resolveWarning(warning: $id, note: $note) { warning { ...WarningRow } } }
`)

export const UnitEvents = graphql(`
  query UnitEvents($unit: ID!, $from: Time!, $to: Time!, $first: Int, $after: String) {
    events(orgUnit: $unit, from: $from, to: $to, first: $first, after: $after) {
      edges { cursor node { ...EventRow } }
      pageInfo { hasNextPage endCursor }
    }
  }
  fragment EventRow on Event {
    id kind title startsAt endsAt place agenda minutesRecordedAt minutesLate cancelledAt orgUnit { name }
    attendance { expected present onLeave absent quorum quorumMet }
  }
`)

export const EventDetail = graphql(`
  query EventDetail($id: ID!) {
    node(id: $id) {
      ... on Event {
        ...EventRow minutes cancelReason
        attendees { personId personName voting status checkedInBy checkedInAt reason }
      }
    }
  }
`)

export const ScheduleEvent = graphql(`
  mutation ScheduleEvent($in: ScheduleEventInput!) { scheduleEvent(input: $in) { event { ...EventRow } } }
`)

export const CancelEvent = graphql(`
  mutation CancelEvent($in: CancelEventInput!) { cancelEvent(input: $in) { event { ...EventRow } } }
`)

export const MarkAttendance = graphql(`
  mutation MarkAttendance($in: MarkAttendanceInput!) { markAttendance(input: $in) { attendance { status checkedInBy reason } } }
`)

export const RecordMinutes = graphql(`
  mutation RecordMinutes($in: RecordMinutesInput!) { recordMinutes(input: $in) { event { ...EventRow minutes } } }
`)

export const EventCheckInCode = graphql(`
  query EventCheckInCode($id: ID!) { eventCheckInCode(event: $id) { code qr expiresAt } }
`)

export const LearningPlans = graphql(`
  query LearningPlans($unit: ID!) { learningPlans(orgUnit: $unit) { stage period requiredLessons series inherited orgUnit { name } } }
`)

export const SetLearningPlan = graphql(`
  mutation SetLearningPlan($in: SetLearningPlanInput!) { setLearningPlan(input: $in) { plan { stage period requiredLessons series inherited orgUnit { name } } } }
`)

export const QuestionBank = graphql(`
  query QuestionBank($tag: String, $first: Int, $after: String) {
    questionBank(tag: $tag, first: $first, after: $after) {
      edges { cursor node { id kind stem options answer explanation tags active createdAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const ImportQuestions = graphql(`
  mutation ImportQuestions($file: Upload!) { importQuestions(file: $file) { imported problems { row column message } } }
`)

export const AccountList = graphql(`
  query AccountList($q: String, $first: Int, $after: String) {
    accounts(query: $q, first: $first, after: $after) {
      edges { cursor node { id username displayName active createdAt roles { role orgUnit { id name } } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const CreateAccount = graphql(`
  mutation CreateAccount($in: CreateAccountInput!) {
    createAccount(input: $in) { account { id username displayName active createdAt roles { role orgUnit { id name } } } }
  }
`)

export const GrantRole = graphql(`
  mutation GrantRole($in: RoleBindingInput!) { grantRole(input: $in) { ok } }
`)

export const RevokeRole = graphql(`
  mutation RevokeRole($in: RoleBindingInput!) { revokeRole(input: $in) { ok } }
`)

export const SchoolUnits = graphql(`
  query SchoolUnits($root: ID!) {
    node(id: $root) { ... on OrgUnit { id name } }
    orgUnits(under: $root, first: 100) { edges { node { id name } } }
  }
`)

export const OpenQuizzes = graphql(`
  query OpenQuizzes { quizzes(first: 50) { edges { node { id kind title questionCount timeLimitSeconds passScore attemptsAllowed opensAt closesAt } } } }
`)

export const SetQuiz = graphql(`
  mutation SetQuiz($in: SetQuizInput!) { setQuiz(input: $in) { id kind title questionCount timeLimitSeconds passScore attemptsAllowed opensAt closesAt } }
`)
