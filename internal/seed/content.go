package seed

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"time"

	"github.com/google/uuid"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/content"
	"zhdj/internal/media"
	"zhdj/internal/org"
	"zhdj/internal/tenant"
)

type demoItem struct {
	unit, slug, title, summary, html string
	tags, topics                     []string
	comic                            bool
}

var demoItems = []demoItem{
	{"XXGC", "xxgc-ershida-xuexi", "信息工程学院党总支深入学习贯彻党的二十大精神", "学院党总支召开专题学习会，交流学习体会。",
		"<p>信息工程学院党总支组织全体党员深入学习党的二十大报告，结合专业建设谈体会、找差距。</p><p>各支部随后开展主题党日活动。</p>",
		[]string{"党建动态"}, []string{"理论学习"}, false},
	{"XXGC", "xxgc-zhiyuan-shequ", "学生党员走进新苑社区开展志愿服务", "学生第一党支部组织党员帮助老人学用智能手机。",
		"<p>周六上午，学生第一党支部的十二名党员走进新苑社区，手把手教老人使用手机挂号、视频通话。</p>",
		[]string{"党建动态", "志愿服务"}, []string{"志愿服务"}, false},
	{"XXGC", "xxgc-dangshi-jiangzuo", "党史学习教育专题讲座在信息工程学院举行", "讲座回顾了党的百年奋斗历程。",
		"<p>讲座以“学党史、悟思想、办实事、开新局”为主题，教工党支部和学生党支部的党员参加。</p>",
		[]string{"党建动态", "党史"}, []string{"理论学习"}, false},
	{"XXGC", "xxgc-manhua-hongse-jiashu", "主题漫画：红色家书", "用漫画讲述革命先辈写给家人的书信。", "",
		[]string{"主题漫画"}, []string{"党史"}, true},
	{"ZNZZ", "znzz-gongjiang-jingshen", "智能制造学院举办工匠精神主题党课", "优秀校友讲述在生产一线钻研技术的故事。",
		"<p>智能制造学院党总支邀请获得全国技术能手称号的校友为学生党员讲授主题党课。</p>",
		[]string{"党建动态"}, []string{"技能成才"}, false},
	{"ZNZZ", "znzz-xiangcun-zhenxing", "智能制造学院师生党员赴乡村开展科技助农", "师生党员为合作社检修农机、讲解智能灌溉。",
		"<p>暑期，学院组织师生党员服务队赴结对村开展科技助农活动，助力乡村振兴。</p>",
		[]string{"党建动态", "志愿服务"}, []string{"乡村振兴"}, false},
}

// DemoContent publishes a few articles and a comic on each college of the
// demo school, with generated cover images, so that its sites have a front
// page and something to search. It needs media storage (a cover is
// required to publish: without storage it does nothing) and the job worker
// that makes images ready. Items an earlier run made are skipped.
func DemoContent(ctx context.Context, school *tenant.Tenant, orgs *org.Service, files *media.Service, items *content.Service) (int, error) {
	if !files.HasStore() {
		return 0, nil
	}
	ctx = auth.WithPrincipal(ctx, auth.SystemPrincipal(school.ID))
	units := map[string]*org.Unit{}
	for _, code := range []string{"XXGC", "ZNZZ"} {
		u, err := orgs.UnitByCode(ctx, school.ID, code)
		if err != nil {
			return 0, fmt.Errorf("seed: unit %s: %w", code, err)
		}
		units[code] = u
	}
	created := 0
	for i, it := range demoItems {
		unit := units[it.unit]
		// The draft first: its slug says whether an earlier run made it.
		typ, f := content.TypeArticle, content.Fields{Slug: it.slug, Title: it.title, Summary: it.summary, Tags: it.tags, Topics: it.topics}
		if it.comic {
			typ, f.Comic = content.TypeComic, &content.Comic{Series: "红色家书"}
		} else {
			f.Article = &content.Article{HTML: it.html}
		}
		c, err := items.Create(ctx, typ, &unit.ID, f)
		if apperr.KindOf(err) == apperr.Conflict {
			continue
		}
		if err != nil {
			return created, fmt.Errorf("seed: content %s: %w", it.slug, err)
		}
		cover, err := demoImage(ctx, files, school.ID, unit.ID, media.PurposeCover, it.slug+".png", i)
		if err != nil {
			return created, err
		}
		f.CoverID = &cover
		if it.comic {
			for j, caption := range []string{"1934年，一位红军战士在行军途中给母亲写信。", "信中写道：为了穷苦人过上好日子，儿子不怕牺牲。", "今天，我们在纪念馆里读到这封家书。"} {
				img, err := demoImage(ctx, files, school.ID, unit.ID, media.PurposeComicPanel, fmt.Sprintf("%s-%d.png", it.slug, j+1), i+j+1)
				if err != nil {
					return created, err
				}
				f.Comic.Panels = append(f.Comic.Panels, content.Panel{ImageID: img, Caption: caption, Alt: caption})
			}
		}
		if c, err = items.Update(ctx, c.ID, c.Version, f, "cover"); err != nil {
			return created, fmt.Errorf("seed: content %s: %w", it.slug, err)
		}
		if _, err := items.Submit(ctx, c.ID); err != nil {
			return created, fmt.Errorf("seed: submit %s: %w", it.slug, err)
		}
		if _, err := items.Approve(ctx, c.ID, nil); err != nil {
			return created, fmt.Errorf("seed: publish %s: %w", it.slug, err)
		}
		created++
	}
	return created, nil
}

// demoImage uploads a generated 1200×675 image and waits until it is ready
// (its derivatives made by the job worker).
func demoImage(ctx context.Context, files *media.Service, tenant, unit uuid.UUID, purpose media.Purpose, name string, n int) (uuid.UUID, error) {
	img := image.NewRGBA(image.Rect(0, 0, 1200, 675))
	base := []color.RGBA{{0xc8, 0x10, 0x2e, 0xff}, {0xb7, 0x1c, 0x1c, 0xff}, {0xd9, 0x48, 0x1f, 0xff}, {0x9e, 0x1b, 0x32, 0xff}}[n%4]
	for y := range 675 {
		for x := range 1200 {
			k := uint8((x + y) * 60 / (1200 + 675))
			img.Set(x, y, color.RGBA{base.R - k, base.G + k/2, base.B + k/2, 0xff})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return uuid.Nil, err
	}
	m, err := files.Upload(ctx, media.UploadInput{Filename: name, Purpose: purpose, Visibility: media.Public, OrgUnitID: &unit,
		Size: int64(buf.Len()), Body: &buf})
	if err != nil {
		return uuid.Nil, err
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		got, err := files.ByIDs(ctx, tenant, []uuid.UUID{m.ID})
		if err != nil {
			return uuid.Nil, err
		}
		if g := got[m.ID]; g != nil && g.Status == media.StatusReady {
			return m.ID, nil
		}
		if g := got[m.ID]; g != nil && g.Status == media.StatusFailed {
			return uuid.Nil, fmt.Errorf("seed: image %s failed: %v", name, g.Notes)
		}
	}
	return uuid.Nil, fmt.Errorf("seed: image %s did not become ready (is the job worker running?)", name)
}
