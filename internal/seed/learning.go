package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"zhdj/internal/auth"
	"zhdj/internal/meeting"
	"zhdj/internal/member"
	"zhdj/internal/org"
	"zhdj/internal/quiz"
	"zhdj/internal/task"
	"zhdj/internal/tenant"
)

// LearningServices are what the demo's tasks, events and quizzes are made with.
type LearningServices struct {
	Org      *org.Service
	Members  *member.Service
	Tasks    *task.Service
	Meetings *meeting.Service
	Quizzes  *quiz.Service
}

// DemoLearning gives the demo school a question bank with a daily
// practice and an exam, two events of the first student branch (one past
// with its minutes, one upcoming) and a task with submissions in every
// state (and one that falls overdue a few seconds after it is made). It
// does nothing when the school's bank already has questions; it returns
// how many questions it added.
func DemoLearning(ctx context.Context, school *tenant.Tenant, s LearningServices, now time.Time) (int, error) {
	system := auth.WithPrincipal(ctx, auth.SystemPrincipal(school.ID))
	existing, err := s.Quizzes.Bank(system, "", 1, nil)
	if err != nil {
		return 0, fmt.Errorf("seed: question bank: %w", err)
	}
	if len(existing.Items) > 0 {
		return 0, nil
	}
	var ids []uuid.UUID
	for _, q := range demoQuestions {
		got, err := s.Quizzes.AddQuestion(system, q)
		if err != nil {
			return 0, fmt.Errorf("seed: question %q: %w", q.Stem, err)
		}
		ids = append(ids, got.ID)
	}
	closes := now.AddDate(0, 1, 0)
	limit, tags := 1200, []string{}
	if _, err := s.Quizzes.SetQuiz(system, quiz.QuizInput{Kind: quiz.Daily, Title: "每日一练", QuestionCount: 5, Tags: tags, OpensAt: now.Add(-time.Hour)}); err != nil {
		return 0, fmt.Errorf("seed: daily practice: %w", err)
	}
	if _, err := s.Quizzes.SetQuiz(system, quiz.QuizInput{Kind: quiz.Exam, Title: "党章党规知识专项考试", QuestionIDs: ids[:10], TimeLimitSeconds: &limit,
		OpensAt: now.Add(-time.Hour), ClosesAt: &closes}); err != nil {
		return 0, fmt.Errorf("seed: exam: %w", err)
	}

	branch, err := s.Org.UnitByCode(system, school.ID, "XXGC-XS1")
	if err != nil {
		return 0, fmt.Errorf("seed: branch: %w", err)
	}
	people, err := s.Members.List(system, member.Filter{OrgUnitID: &branch.ID}, 50, nil)
	if err != nil {
		return 0, fmt.Errorf("seed: branch members: %w", err)
	}
	person := map[string]uuid.UUID{}
	for _, p := range people.People {
		person[p.Name] = p.ID
	}
	as := func(name string) context.Context {
		id := person[name]
		return auth.WithPrincipal(ctx, &auth.Principal{TenantID: school.ID, PersonID: &id, Username: name})
	}

	// Events: a members' meeting last week (attendance and minutes), a party lesson next week.
	held := now.AddDate(0, 0, -6)
	last, err := s.Meetings.Schedule(system, meeting.ScheduleInput{OrgUnitID: branch.ID, Kind: meeting.MembersMeeting, Title: "第四季度支部党员大会",
		StartsAt: held, EndsAt: held.Add(90 * time.Minute), Place: "信息楼 302", Agenda: "1. 学习党的二十届四中全会精神\n2. 讨论确定发展对象", Record: true})
	if err != nil {
		return 0, fmt.Errorf("seed: event: %w", err)
	}
	for _, name := range []string{"陈红梅", "刘强"} {
		if _, err := s.Meetings.Mark(system, last.ID, person[name], meeting.Present, ""); err != nil {
			return 0, fmt.Errorf("seed: attendance: %w", err)
		}
	}
	if _, err := s.Meetings.Mark(system, last.ID, person["李明"], meeting.OnLeave, "参加学院技能大赛"); err != nil {
		return 0, fmt.Errorf("seed: attendance: %w", err)
	}
	if _, err := s.Meetings.RecordMinutes(system, last.ID, "应到 3 人，实到 2 人，请假 1 人，符合法定人数。会议学习了全会精神，讨论确定赵磊同志为发展对象。", nil); err != nil {
		return 0, fmt.Errorf("seed: minutes: %w", err)
	}
	next := now.AddDate(0, 0, 7)
	if _, err := s.Meetings.Schedule(system, meeting.ScheduleInput{OrgUnitID: branch.ID, Kind: meeting.PartyLesson, Title: "专题党课：青年学生的使命担当",
		StartsAt: next, EndsAt: next.Add(90 * time.Minute), Place: "图书馆报告厅", OnlineURL: "https://live.example.edu.cn/party-lesson",
		Stages: []member.Stage{member.StageActivist, member.StageCandidate, member.StageProbationary, member.StageFull}}); err != nil {
		return 0, fmt.Errorf("seed: event: %w", err)
	}

	// A task with a submission in every state.
	t, err := s.Tasks.Publish(system, task.PublishInput{OrgUnitID: branch.ID, Title: "撰写学习全会精神心得体会",
		RequirementsHTML: "<p>结合专业学习和个人实际，撰写不少于 800 字的心得体会。</p>", Checklist: []string{"阅读全会公报", "撰写心得体会"},
		Deadline: now.AddDate(0, 0, 14), EvidenceRequired: true, PointsHint: 5, Assignees: task.Assignees{OrgUnitID: &branch.ID}})
	if err != nil {
		return 0, fmt.Errorf("seed: task: %w", err)
	}
	if _, err := s.Tasks.Start(as("赵磊"), t.ID); err != nil {
		return 0, fmt.Errorf("seed: task start: %w", err)
	}
	submit := func(name, text string) (*task.Submission, error) {
		sub, _, err := s.Tasks.Submit(as(name), task.SubmitInput{TaskID: t.ID, Text: text, Items: []task.EvidenceItem{{Item: 0, Text: "已阅读"}}})
		return sub, err
	}
	if _, err := submit("刘强", "心得体会已完成，见附件说明。"); err != nil {
		return 0, fmt.Errorf("seed: task submit: %w", err)
	}
	ret, err := submit("陈红梅", "初稿")
	if err != nil {
		return 0, fmt.Errorf("seed: task submit: %w", err)
	}
	if _, err := s.Tasks.Review(system, ret.ID, task.Return, "请结合本职工作展开，字数不足 800 字"); err != nil {
		return 0, fmt.Errorf("seed: task review: %w", err)
	}
	ok, err := submit("李明", "从专业学习和志愿服务两方面谈了体会。")
	if err != nil {
		return 0, fmt.Errorf("seed: task submit: %w", err)
	}
	if _, err := s.Tasks.Review(system, ok.ID, task.Approve, "写得很好"); err != nil {
		return 0, fmt.Errorf("seed: task review: %w", err)
	}
	if _, err := s.Tasks.Publish(system, task.PublishInput{OrgUnitID: branch.ID, Title: "提交本月思想汇报（逾期示例）", Deadline: now.Add(5 * time.Second),
		Assignees: task.Assignees{People: []uuid.UUID{person["王芳"]}}}); err != nil {
		return 0, fmt.Errorf("seed: task: %w", err)
	}
	return len(ids), nil
}
