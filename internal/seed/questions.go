package seed

import "zhdj/internal/quiz"

// demoQuestions are the demo school's question bank: party constitution
// and organisational life, as branches quiz their members on them.
var demoQuestions = []quiz.Question{
	{Kind: quiz.Single, Stem: "中国共产党的最高理想和最终目标是什么？", Options: []string{"实现共产主义", "全面建成小康社会", "实现社会主义现代化", "实现中华民族伟大复兴"}, Answer: []int{0}, Explanation: "党章总纲：党的最高理想和最终目标是实现共产主义。", Tags: []string{"党章"}},
	{Kind: quiz.Single, Stem: "党的根本宗旨是什么？", Options: []string{"全心全意为人民服务", "实现共同富裕", "解放和发展生产力", "维护社会公平正义"}, Answer: []int{0}, Tags: []string{"党章"}},
	{Kind: quiz.Single, Stem: "预备党员的预备期为多长时间？", Options: []string{"半年", "一年", "两年", "三年"}, Answer: []int{1}, Explanation: "党章第七条：预备党员的预备期为一年。", Tags: []string{"党章", "发展党员"}},
	{Kind: quiz.Single, Stem: "申请入党的人，要填写入党志愿书，要有几名正式党员作介绍人？", Options: []string{"一名", "两名", "三名", "四名"}, Answer: []int{1}, Tags: []string{"党章", "发展党员"}},
	{Kind: quiz.Single, Stem: "年满多少岁的中国工人、农民、军人、知识分子和其他社会阶层的先进分子可以申请加入中国共产党？", Options: []string{"十六岁", "十八岁", "二十岁", "二十二岁"}, Answer: []int{1}, Tags: []string{"党章", "发展党员"}},
	{Kind: quiz.Single, Stem: "入党积极分子一般要经过多长时间的培养教育和考察，才能列为发展对象？", Options: []string{"半年以上", "一年以上", "两年以上", "三年以上"}, Answer: []int{1}, Explanation: "《中国共产党发展党员工作细则》第十一条。", Tags: []string{"发展党员"}},
	{Kind: quiz.Single, Stem: "支部党员大会一般多长时间召开一次？", Options: []string{"每月一次", "每季度一次", "每半年一次", "每年一次"}, Answer: []int{1}, Tags: []string{"组织生活", "三会一课"}},
	{Kind: quiz.Single, Stem: "党支部委员会会议一般多长时间召开一次？", Options: []string{"每周一次", "每月一次", "每季度一次", "每半年一次"}, Answer: []int{1}, Tags: []string{"组织生活", "三会一课"}},
	{Kind: quiz.Single, Stem: "党员领导干部应当以普通党员身份参加所在党支部的哪项活动？", Options: []string{"组织生活", "文体活动", "业务培训", "工会活动"}, Answer: []int{0}, Tags: []string{"组织生活"}},
	{Kind: quiz.Single, Stem: "党的组织原则是什么？", Options: []string{"民主集中制", "集体领导", "个人分工负责", "少数服从多数"}, Answer: []int{0}, Tags: []string{"党章"}},
	{Kind: quiz.Single, Stem: "学生党员每月应交纳党费多少元？", Options: []string{"0.1 元", "0.2 元", "0.5 元", "1 元"}, Answer: []int{1}, Explanation: "学生党员每月交纳党费 0.2 元。", Tags: []string{"党费"}},
	{Kind: quiz.Multiple, Stem: "“三会一课”包括哪些？", Options: []string{"支部党员大会", "支部委员会", "党小组会", "按时上好党课"}, Answer: []int{0, 1, 2, 3}, Tags: []string{"组织生活", "三会一课"}},
	{Kind: quiz.Multiple, Stem: "党的纪律处分有哪几种？", Options: []string{"警告", "严重警告", "撤销党内职务", "留党察看", "开除党籍"}, Answer: []int{0, 1, 2, 3, 4}, Tags: []string{"纪律"}},
	{Kind: quiz.Multiple, Stem: "“四个意识”是指哪些？", Options: []string{"政治意识", "大局意识", "核心意识", "看齐意识"}, Answer: []int{0, 1, 2, 3}, Tags: []string{"理论学习"}},
	{Kind: quiz.Multiple, Stem: "“四个自信”包括哪些？", Options: []string{"道路自信", "理论自信", "制度自信", "文化自信", "历史自信"}, Answer: []int{0, 1, 2, 3}, Tags: []string{"理论学习"}},
	{Kind: quiz.Multiple, Stem: "发展党员工作的程序中，确定发展对象前需要听取哪些方面的意见？", Options: []string{"党小组", "培养联系人", "党员和群众", "所在单位党组织"}, Answer: []int{0, 1, 2}, Tags: []string{"发展党员"}},
	{Kind: quiz.Multiple, Stem: "主题党日活动可以包括哪些内容？", Options: []string{"集中学习", "过组织生活", "民主议事", "志愿服务"}, Answer: []int{0, 1, 2, 3}, Tags: []string{"组织生活"}},
	{Kind: quiz.TrueFalse, Stem: "预备党员享有表决权、选举权和被选举权。", Answer: []int{0}, Explanation: "预备党员的权利，除了没有表决权、选举权和被选举权以外，也同正式党员一样。", Tags: []string{"党章"}},
	{Kind: quiz.TrueFalse, Stem: "召开支部党员大会讨论接收预备党员，有表决权的到会人数必须超过应到会有表决权人数的半数。", Answer: []int{1}, Tags: []string{"发展党员", "三会一课"}},
	{Kind: quiz.TrueFalse, Stem: "党员没有正当理由，连续六个月不参加党的组织生活，或不交纳党费，或不做党所分配的工作，就被认为是自行脱党。", Answer: []int{1}, Explanation: "党章第九条。", Tags: []string{"党章", "纪律"}},
	{Kind: quiz.TrueFalse, Stem: "组织生活会一般每半年召开一次。", Answer: []int{0}, Explanation: "组织生活会一般每年召开一次。", Tags: []string{"组织生活"}},
	{Kind: quiz.TrueFalse, Stem: "党员的党龄从预备期满转为正式党员之日算起。", Answer: []int{1}, Tags: []string{"党章", "发展党员"}},
}
