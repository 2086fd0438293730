package graph

import (
	"context"

	"github.com/google/uuid"

	"zhdj/graph/model"
	"zhdj/internal/task"
)

func decodeTaskCursor(field string, s *string) (*task.Cursor, error) {
	c, err := decodeTimeCursor(field, s)
	if c == nil {
		return nil, err
	}
	return &task.Cursor{At: c.At, ID: c.ID}, nil
}

func encodeIDCursor(id uuid.UUID) string { return sealCursor(id[:]) }

func decodeIDCursor(field string, s *string) (*uuid.UUID, error) {
	b, err := openCursor(field, s, "list", size(16))
	if b == nil {
		return nil, err
	}
	id, _ := uuid.FromBytes(b)
	return &id, nil
}

// assignmentPage wraps a page of assignments with their tasks and latest
// submissions (loaded with the page, or one batch each): a fixed number of
// round trips whatever the page size.
func (r *Resolver) assignmentPage(ctx context.Context, page *task.AssignmentPage, known *task.Task) (*model.TaskAssignmentConnection, error) {
	conn := &model.TaskAssignmentConnection{Edges: []*model.TaskAssignmentEdge{}, PageInfo: &model.PageInfo{HasNextPage: page.HasNext}}
	if len(page.Items) == 0 {
		return conn, nil
	}
	tenant := page.Items[0].TenantID
	tasks, latest := page.Tasks, page.Latest
	switch {
	case tasks != nil: // loaded with the page
	case known != nil:
		tasks = map[uuid.UUID]*task.Task{known.ID: known}
	default:
		ids := make([]uuid.UUID, 0, len(page.Items))
		for _, a := range page.Items {
			ids = append(ids, a.TaskID)
		}
		var err error
		if tasks, err = r.Work.ByIDs(ctx, tenant, ids); err != nil {
			return nil, err
		}
	}
	if latest == nil {
		var err error
		if latest, err = r.Work.LatestOf(ctx, tenant, page.Items); err != nil {
			return nil, err
		}
	}
	for _, a := range page.Items {
		cursor := encodeTimeCursor(a.Deadline, a.TaskID)
		if known != nil {
			cursor = encodeIDCursor(a.PersonID)
		}
		conn.Edges = append(conn.Edges, &model.TaskAssignmentEdge{Cursor: cursor,
			Node: &model.TaskAssignment{Assignment: a, Task: tasks[a.TaskID], Latest: latest[task.Key{TaskID: a.TaskID, PersonID: a.PersonID}], Loaded: true}})
	}
	setPageBounds(conn.PageInfo, len(conn.Edges), func(i int) string { return conn.Edges[i].Cursor })
	return conn, nil
}

// assigneesFor decodes the assignees of a task's input.
func assigneesFor(in *model.TaskAssigneesInput) (task.Assignees, error) {
	var out task.Assignees
	if in == nil {
		return out, nil
	}
	var err error
	if out.OrgUnitID, err = optionalUnit("input.assignees.orgUnit", in.OrgUnit); err != nil {
		return out, err
	}
	out.Stages = in.Stages
	if len(in.People) > 0 {
		ids, err := decodeIDsOf("input.assignees.people", in.People, idMember)
		if err != nil {
			return out, err
		}
		out.People = ids
	}
	return out, nil
}

// evidenceFor decodes a submission's per-item evidence.
func evidenceFor(in []*model.TaskEvidenceItemInput) ([]task.EvidenceItem, error) {
	out := make([]task.EvidenceItem, 0, len(in))
	for _, it := range in {
		files, err := decodeIDsOf("input.items.attachments", it.Attachments, idMedia)
		if err != nil {
			return nil, err
		}
		out = append(out, task.EvidenceItem{Item: it.Item, Text: deref(it.Text), Attachments: files})
	}
	return out, nil
}
