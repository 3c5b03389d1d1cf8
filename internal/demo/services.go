package demo

import "shequ"

// The default catalogue of community service items (服务事项). It is not
// demo-only: `shequ serve` seeds it into an empty catalogue on every
// install, and `shequ import services` writes it again (replacing items of
// the same code). The facts follow the usual county 办事指南 of Zhejiang; the
// departments are named generically (县民政局 …) so that any county can use
// them as they are and edit the details.

// every channel, and the channels of items that need an original document
// seen at a window.
var (
	allChannels    = []shequ.Channel{shequ.ChannelOnline, shequ.ChannelWindow, shequ.ChannelAgency, shequ.ChannelPhone}
	noPhone        = []shequ.Channel{shequ.ChannelOnline, shequ.ChannelWindow, shequ.ChannelAgency}
	windowOrAgency = []shequ.Channel{shequ.ChannelWindow, shequ.ChannelAgency}
)

// Materials used by many items.
var (
	matID        = shequ.Material{Name: "居民身份证", Form: shequ.MaterialBoth, Copies: 1, Required: true}
	matHukou     = shequ.Material{Name: "户口簿", Form: shequ.MaterialBoth, Copies: 1, Required: true}
	matPhoto     = shequ.Material{Name: "近期免冠一寸照片", Form: shequ.MaterialOriginal, Copies: 2, Required: true}
	matBank      = shequ.Material{Name: "本人银行账户（社保卡）", Form: shequ.MaterialCopy, Copies: 1, Required: true}
	matIncome    = shequ.Material{Name: "家庭收入及财产状况声明", Form: shequ.MaterialOriginal, Copies: 1, Required: true}
	matAgentID   = shequ.Material{Name: "代办人身份证及授权委托书", Form: shequ.MaterialBoth, Copies: 1, Note: "委托代办时提供"}
	matDisabled  = shequ.Material{Name: "第三代残疾人证", Form: shequ.MaterialBoth, Copies: 1, Required: true}
	matHospital  = shequ.Material{Name: "医疗费用票据或诊断证明", Form: shequ.MaterialCopy, Copies: 1}
	matResidence = shequ.Material{Name: "居住证明（租赁合同或房产证明）", Form: shequ.MaterialCopy, Copies: 1, Required: true}
)

// Form fields used by many items.
var (
	fPhone   = shequ.FormField{Code: "contact_phone", Label: "联系电话（可填家属或社区电话）", Type: shequ.FieldPhone, Order: 1}
	fMembers = shequ.FormField{Code: "household_size", Label: "家庭人口数", Type: shequ.FieldNumber, Required: true, Order: 2,
		Min: bound(1), Max: bound(50), Integer: true}
	fReason = shequ.FormField{Code: "reason", Label: "申请事由", Type: shequ.FieldText, Required: true, Order: 9}
	fVisit  = shequ.FormField{Code: "visit_time", Label: "希望上门或办理时间", Type: shequ.FieldDatetime, Order: 5, When: shequ.WhenFuture}
)

// bound is a number field's limit.
func bound(v float64) *float64 { return &v }

func choices(pairs ...string) []shequ.Choice {
	var out []shequ.Choice
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, shequ.Choice{Key: pairs[i], Label: pairs[i+1]})
	}
	return out
}

// item fills the parts every item shares.
func item(code, name, dept, category, audience, conditions string, days int, basis string, channels []shequ.Channel,
	materials []shequ.Material, form ...shequ.FormField) *shequ.ServiceItem {
	return &shequ.ServiceItem{Code: code, Name: name, Department: dept, Category: category, Audience: audience,
		Conditions: conditions, Materials: materials, TimeLimitDays: days, LegalDays: days * 2, LegalBasis: basis,
		Process: "申请 → 社区（村）受理 → 乡镇（街道）审核 → 县级部门审批 → 办结告知",
		Place:   "所在社区（村）便民服务中心窗口，工作日 8:30–12:00、14:00–17:30",
		Phone:   "12345", Complaint: "12345 政务服务便民热线；县政务服务中心效能监督窗口",
		Channels: channels, Form: form, Active: true}
}

// ServiceItems returns the default catalogue: 24 common community items.
func ServiceItems() []*shequ.ServiceItem {
	items := []*shequ.ServiceItem{
		item("MZ-001", "最低生活保障申请", "县民政局", "社会救助", "共同生活的家庭成员人均收入低于当地低保标准、财产状况符合规定的本县户籍居民",
			"家庭人均收入低于当地低保标准，且家庭财产符合规定", 20, "《社会救助暂行办法》第九条至第十一条", noPhone,
			[]shequ.Material{matID, matHukou, matIncome, matBank, matAgentID}, fPhone, fMembers,
			shequ.FormField{Code: "monthly_income", Label: "家庭月收入（元）", Type: shequ.FieldNumber, Required: true, Order: 3,
				Min: bound(0), Max: bound(10_000_000)}, fReason),
		item("MZ-002", "临时救助申请", "县民政局", "社会救助", "因火灾、交通事故、突发重大疾病等导致基本生活暂时出现严重困难的家庭或个人",
			"遭遇突发事件、意外伤害、重大疾病致基本生活陷入困境", 10, "《社会救助暂行办法》第四十七条", allChannels,
			[]shequ.Material{matID, matHukou, matHospital, matBank}, fPhone,
			shequ.FormField{Code: "hardship", Label: "困难类型", Type: shequ.FieldSingleChoice, Required: true, Order: 3,
				Choices: choices("illness", "重大疾病", "accident", "意外事故", "disaster", "自然灾害", "other", "其他")}, fReason),
		item("MZ-003", "高龄津贴申领", "县民政局", "养老服务", "年满80周岁的本县户籍老年人", "年满80周岁，户籍在本县", 10,
			"《浙江省老年人权益保障条例》；县高龄津贴发放办法", allChannels, []shequ.Material{matID, matHukou, matBank, matAgentID}, fPhone),
		item("MZ-004", "残疾人两项补贴申请", "县残联", "残疾人服务", "困难残疾人、重度残疾人",
			"持第三代残疾人证，困难残疾人生活补贴需为低保或低保边缘家庭；护理补贴需残疾等级一、二级", 15,
			"《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）", noPhone,
			[]shequ.Material{matID, matDisabled, matHukou, matBank, matAgentID}, fPhone,
			shequ.FormField{Code: "subsidy", Label: "申请补贴", Type: shequ.FieldMultipleChoice, Required: true, Order: 3,
				Choices: choices("living", "困难残疾人生活补贴", "care", "重度残疾人护理补贴")}),
		item("MZ-005", "居家养老服务申请", "县民政局", "养老服务", "本县60周岁以上有服务需求的老年人", "年满60周岁，有助餐、助洁、助浴、助医等需求", 7,
			"《浙江省社会养老服务促进条例》", allChannels, []shequ.Material{matID, matAgentID}, fPhone,
			shequ.FormField{Code: "services", Label: "所需服务", Type: shequ.FieldMultipleChoice, Required: true, Order: 3,
				Choices: choices("meal", "助餐", "clean", "助洁", "bath", "助浴", "medical", "助医", "visit", "探访关爱")}, fVisit),
		item("RS-001", "就业失业登记", "县人力资源和社会保障局", "就业服务", "法定劳动年龄内有劳动能力和就业要求的城乡劳动者",
			"法定劳动年龄内，有劳动能力和就业要求，处于无业状态", 1, "《就业服务与就业管理规定》第六十一条至第六十三条", noPhone,
			[]shequ.Material{matID, matPhoto}, fPhone,
			shequ.FormField{Code: "kind", Label: "登记类型", Type: shequ.FieldSingleChoice, Required: true, Order: 2,
				Choices: choices("employment", "就业登记", "unemployment", "失业登记")},
			shequ.FormField{Code: "last_employer", Label: "原工作单位", Type: shequ.FieldString, Order: 3}),
		item("RS-002", "城乡居民养老保险参保登记", "县社会保险事业管理中心", "社会保障", "年满16周岁、不在校、未参加职工基本养老保险的本县户籍居民",
			"年满16周岁（不含在校学生），未参加职工基本养老保险", 5, "《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）",
			allChannels, []shequ.Material{matID, matHukou}, fPhone,
			shequ.FormField{Code: "grade", Label: "缴费档次（元/年）", Type: shequ.FieldSingleChoice, Required: true, Order: 2,
				Choices: choices("300", "300元", "500", "500元", "1000", "1000元", "2000", "2000元", "5000", "5000元")}),
		item("RS-003", "城乡居民医疗保险参保登记", "县医疗保障局", "社会保障", "未参加职工基本医疗保险的城乡居民",
			"未参加职工基本医疗保险的本县户籍或持居住证居民", 5, "《中华人民共和国社会保险法》第二十五条", allChannels,
			[]shequ.Material{matID, matHukou}, fPhone, fMembers),
		item("WJ-001", "生育登记", "县卫生健康局", "卫生健康", "符合法律法规规定生育子女的夫妻", "夫妻双方或一方为本县户籍", 1,
			"《浙江省人口与计划生育条例》", allChannels, []shequ.Material{matID, {Name: "结婚证", Form: shequ.MaterialCopy, Copies: 1, Required: true}}, fPhone,
			shequ.FormField{Code: "due_date", Label: "预产期", Type: shequ.FieldDatetime, Order: 2, When: shequ.WhenFuture},
			shequ.FormField{Code: "child_order", Label: "生育子女孩次", Type: shequ.FieldNumber, Required: true, Order: 3,
				Min: bound(1), Max: bound(20), Integer: true}),
		item("GA-001", "居住证申领协助", "县公安局", "社会治安", "在本县居住半年以上的非本县户籍人员",
			"居住半年以上，且有合法稳定就业、合法稳定住所或连续就读之一", 15, "《居住证暂行条例》第二条、第九条", noPhone,
			[]shequ.Material{matID, matPhoto, matResidence}, fPhone,
			shequ.FormField{Code: "address", Label: "现居住地址", Type: shequ.FieldString, Required: true, Order: 2,
				Personal: shequ.PersonalAddress}),
		item("MZ-006", "老年人优待证办理", "县民政局", "养老服务", "年满60周岁的老年人", "年满60周岁", 5, "《中华人民共和国老年人权益保障法》",
			allChannels, []shequ.Material{matID, matPhoto}, fPhone),
		item("SF-001", "法律援助申请", "县司法局", "法律服务", "经济困难或符合法定情形的公民", "因经济困难没有委托代理人，且属于法律援助事项范围", 7,
			"《中华人民共和国法律援助法》第三十一条、第四十一条", noPhone,
			[]shequ.Material{matID, matIncome, {Name: "与申请事项相关的材料", Form: shequ.MaterialCopy, Copies: 1, Required: true}}, fPhone,
			shequ.FormField{Code: "matter", Label: "法律事项类别", Type: shequ.FieldSingleChoice, Required: true, Order: 2,
				Choices: choices("labor", "劳动报酬", "family", "婚姻家庭", "injury", "人身损害", "other", "其他")}, fReason),
		item("WT-001", "公共文体场地预约", "县文化广电旅游体育局", "文化体育", "社区居民、社区社会组织", "遵守场地管理规定", 2,
			"《公共文化体育设施条例》", allChannels, nil, fPhone,
			shequ.FormField{Code: "venue", Label: "场地", Type: shequ.FieldSingleChoice, Required: true, Order: 2,
				Choices: choices("hall", "文化礼堂", "court", "篮球场", "room", "多功能活动室")},
			shequ.FormField{Code: "start", Label: "使用开始时间", Type: shequ.FieldDatetime, Required: true, Order: 3, When: shequ.WhenFuture},
			shequ.FormField{Code: "people", Label: "预计人数", Type: shequ.FieldNumber, Required: true, Order: 4,
				Min: bound(1), Max: bound(10_000), Integer: true}),
		item("NY-001", "农业技术服务预约", "县农业农村局", "农业服务", "农户、家庭农场、农民专业合作社", "从事农业生产", 5,
			"《中华人民共和国农业技术推广法》", allChannels, nil, fPhone,
			shequ.FormField{Code: "crop", Label: "作物或品种", Type: shequ.FieldString, Required: true, Order: 2},
			shequ.FormField{Code: "topic", Label: "服务内容", Type: shequ.FieldMultipleChoice, Required: true, Order: 3,
				Choices: choices("pest", "病虫害防治", "soil", "测土配方", "planting", "栽培技术", "machine", "农机服务")}, fVisit),
		item("MZ-007", "特困人员救助供养申请", "县民政局", "社会救助", "无劳动能力、无生活来源、无法定赡养抚养扶养义务人的老年人、残疾人和未成年人",
			"同时具备无劳动能力、无生活来源、无法定义务人或其无履行能力", 20, "《社会救助暂行办法》第十四条", windowOrAgency,
			[]shequ.Material{matID, matHukou, matIncome, matAgentID}, fPhone, fReason),
		item("MZ-008", "困难群众医疗救助申请", "县医疗保障局", "社会救助", "低保对象、特困人员、低保边缘家庭成员等", "属于医疗救助对象且发生政策范围内医疗费用", 15,
			"《社会救助暂行办法》第二十八条", noPhone, []shequ.Material{matID, matHospital, matBank}, fPhone,
			shequ.FormField{Code: "amount", Label: "自付医疗费用（元）", Type: shequ.FieldNumber, Required: true, Order: 2,
				Min: bound(0), Max: bound(100_000_000)}),
		item("MZ-009", "困境儿童基本生活保障申请", "县民政局", "儿童福利", "事实无人抚养儿童、困境儿童", "父母双方符合重残、重病、服刑、失联等情形之一", 15,
			"《国务院关于加强困境儿童保障工作的意见》（国发〔2016〕36号）", windowOrAgency,
			[]shequ.Material{matHukou, {Name: "监护人身份证", Form: shequ.MaterialBoth, Copies: 1, Required: true},
				{Name: "父母情况证明材料", Form: shequ.MaterialCopy, Copies: 1, Required: true}}, fPhone, fReason),
		item("RS-004", "职业技能培训报名", "县人力资源和社会保障局", "就业服务", "有培训需求的城乡劳动者", "法定劳动年龄内", 3,
			"《职业技能提升行动方案（2019—2021年）》", allChannels, []shequ.Material{matID}, fPhone,
			shequ.FormField{Code: "course", Label: "培训项目", Type: shequ.FieldSingleChoice, Required: true, Order: 2,
				Choices: choices("care", "养老护理员", "cook", "中式烹调师", "e_commerce", "电子商务", "electric", "电工")}),
		item("RS-005", "灵活就业人员社保补贴申请", "县人力资源和社会保障局", "就业服务", "就业困难人员中的灵活就业人员", "已认定为就业困难人员并以灵活就业身份缴纳社保", 10,
			"《就业补助资金管理办法》", noPhone, []shequ.Material{matID, matBank}, fPhone),
		item("WJ-002", "家庭医生签约服务", "县卫生健康局", "卫生健康", "辖区常住居民", "辖区常住居民，重点人群优先", 3,
			"《关于推进家庭医生签约服务的指导意见》", allChannels, []shequ.Material{matID}, fPhone,
			shequ.FormField{Code: "package", Label: "签约服务包", Type: shequ.FieldSingleChoice, Required: true, Order: 2,
				Choices: choices("basic", "基础包", "elderly", "老年人包", "chronic", "慢病包", "maternal", "孕产妇包")}),
		item("MZ-010", "困难家庭住房救助（公租房）申请", "县住房和城乡建设局", "住房保障", "城镇住房、收入困难家庭", "家庭人均收入和住房面积低于规定标准", 20,
			"《公共租赁住房管理办法》", noPhone, []shequ.Material{matID, matHukou, matIncome}, fPhone, fMembers, fReason),
		item("MZ-011", "殡葬惠民补助申领", "县民政局", "民政服务", "本县户籍去世居民的家属", "去世居民为本县户籍，遗体在本县火化", 5,
			"《殡葬管理条例》；县基本殡葬服务费用减免办法", allChannels,
			[]shequ.Material{{Name: "死亡证明", Form: shequ.MaterialCopy, Copies: 1, Required: true}, matID, matBank}, fPhone),
		item("WT-002", "社区文体活动报名", "县文化广电旅游体育局", "文化体育", "社区居民", "无", 2, "《中华人民共和国公共文化服务保障法》", allChannels, nil, fPhone,
			shequ.FormField{Code: "activity", Label: "活动", Type: shequ.FieldSingleChoice, Required: true, Order: 2,
				Choices: choices("dance", "广场舞", "chess", "棋类比赛", "choir", "合唱团", "taichi", "太极拳")}),
		item("MZ-012", "社区矫正对象报到协助", "县司法局", "社会治安", "依法实行社区矫正的人员", "判决、裁定、决定生效之日起十日内", 1,
			"《中华人民共和国社区矫正法》第二十一条", windowOrAgency,
			[]shequ.Material{matID, {Name: "判决书、裁定书或决定书", Form: shequ.MaterialCopy, Copies: 1, Required: true}}, fPhone),
	}
	// Items with a fee; the rest are free.
	for _, it := range items {
		if it.Code == "WT-001" {
			it.FeeFen = 5000 // 50.00 元 per booking of the 文化礼堂, waived for 社区社会组织
		}
	}
	return items
}
