package warning

import (
	"fmt"

	"zhdj/internal/meeting"
	"zhdj/internal/points"
)

// Title is a warning's headline, as its readers (admins of a Chinese
// school) see it in lists and notices.
func Title(w *Warning) string {
	d := w.Details
	switch w.Rule {
	case TaskOverdue:
		return fmt.Sprintf("任务逾期：%s（%s）", d.Label, d.Name)
	case NoLearning:
		return "长期未学习：" + d.Name
	case ProbationBehind:
		return "预备党员转正前未完成要求：" + d.Name
	case ActivistStalled:
		return "积极分子培养期满未推进：" + d.Name
	case LowPoints:
		return "积分偏低：" + d.Name
	case MeetingsMissing:
		return fmt.Sprintf("未按期开展%s：%s", meeting.Kind(d.Kind).Label(), d.Label)
	case MinutesMissing:
		return "会议缺少记录：" + d.Label
	case SuggestionUnanswered:
		return "意见建议逾期未答复：" + d.Label
	}
	return d.Label
}

// Describe says what the rule found.
func Describe(w *Warning) string {
	d := w.Details
	day := func(t interface{ Format(string) string }) string { return t.Format("2006-01-02") }
	switch w.Rule {
	case TaskOverdue:
		if d.Deadline != nil {
			return fmt.Sprintf("任务《%s》已于 %s 截止，%s 尚未完成。", d.Label, day(d.Deadline.In(points.Beijing)), d.Name)
		}
	case NoLearning:
		if d.LastActivity == nil {
			return fmt.Sprintf("%s 已 %d 天没有学习记录（从未学习）。", d.Name, d.Days)
		}
		return fmt.Sprintf("%s 已 %d 天没有学习记录（最近一次 %s）。", d.Name, d.Days, day(d.LastActivity.In(points.Beijing)))
	case ProbationBehind:
		s := d.Name + " 的预备期"
		if d.Deadline != nil {
			s += "将于 " + day(d.Deadline.In(points.Beijing)) + " 期满"
		}
		if d.Required > d.Done {
			s += fmt.Sprintf("，本期学习 %d/%d 课", d.Done, d.Required)
		}
		if d.Overdue > 0 {
			s += fmt.Sprintf("，%d 项任务逾期", d.Overdue)
		}
		return s + "。"
	case ActivistStalled:
		if d.Deadline != nil {
			return fmt.Sprintf("%s 的积极分子培养期已于 %s 满一年，尚未列为发展对象。", d.Name, day(d.Deadline.In(points.Beijing)))
		}
	case LowPoints:
		return fmt.Sprintf("%s 本期积分 %d，低于 %d 分。", d.Name, d.Done, d.Required)
	case MeetingsMissing:
		if d.From != nil && d.Until != nil {
			return fmt.Sprintf("%s 在 %s 至 %s 未开展%s。", d.Label, day(d.From.In(points.Beijing)), day(d.Until.In(points.Beijing).AddDate(0, 0, -1)),
				meeting.Kind(d.Kind).Label())
		}
	case MinutesMissing:
		if d.Deadline != nil {
			return fmt.Sprintf("%s「%s」于 %s 结束，尚未录入会议记录。", meeting.Kind(d.Kind).Label(), d.Label, day(d.Deadline.In(points.Beijing)))
		}
	case SuggestionUnanswered:
		if d.Deadline != nil {
			return fmt.Sprintf("意见建议「%s」应于 %s 前答复，尚未答复。", d.Label, day(d.Deadline.In(points.Beijing)))
		}
	}
	return Title(w)
}
