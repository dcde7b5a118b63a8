-- Reference vocabularies: the stable codes of the domain (DOMAIN.md) with their
-- Chinese (simplified) and English labels. position is the display order;
-- for stages it is the step of the script (1..7), and a report records the
-- furthest step reached. New codes are added by a later migration, never by
-- editing this one.

INSERT INTO report_sources (code, position, label_zh, label_en) VALUES
    ('police', 1, '公安机关', 'Police'),
    ('victim', 2, '受害人', 'Victim'),
    ('public', 3, '群众', 'Member of the public');

-- After the high-frequency categories published by Chinese police, plus other.
INSERT INTO scam_types (code, position, label_zh, label_en) VALUES
    ('fake_customer_service',         1, '冒充电商物流客服',         'Impersonating e-commerce or logistics customer service'),
    ('task_rebate',                   2, '刷单返利',                 'Task and order-brushing rebate'),
    ('fake_investment',               3, '虚假投资理财',             'Fake investment and wealth management'),
    ('fake_loan',                     4, '虚假网络贷款',             'Fake online loan'),
    ('fake_credit_repair',            5, '虚假征信',                 'Fake credit-record repair'),
    ('impersonate_authority',         6, '冒充公检法',               'Impersonating police, procuratorate or court'),
    ('impersonate_acquaintance',      7, '冒充领导熟人',             'Impersonating a superior or acquaintance'),
    ('game_trade',                    8, '网络游戏产品虚假交易',     'Fake online-game item trading'),
    ('romance',                       9, '网络婚恋交友',             'Online dating and romance'),
    ('impersonate_military_purchase', 10, '冒充军警购物',            'Impersonating military or police buyers'),
    ('other',                         11, '其他',                    'Other');

-- Ordered: contact < pretext < ... < repeat_payment (stages_position_key).
INSERT INTO stages (code, position, label_zh, label_en) VALUES
    ('contact',            1, '初次接触',             'First contact'),
    ('pretext',            2, '编造理由',             'Pretext'),
    ('channel_switch',     3, '诱导转移联络渠道',     'Moved to another channel'),
    ('remote_access',      4, '屏幕共享或远程控制',   'Screen sharing or remote access'),
    ('credential_capture', 5, '套取验证码或账户信息', 'Codes or account details captured'),
    ('first_payment',      6, '首次转账',             'First payment'),
    ('repeat_payment',     7, '再次转账',             'Repeat payment');

INSERT INTO channels (code, position, label_zh, label_en) VALUES
    ('phone_call',   1, '电话',         'Phone call'),
    ('sms',          2, '短信',         'SMS'),
    ('chat_app',     3, '即时通讯软件', 'Chat app'),
    ('social_media', 4, '社交媒体',     'Social media'),
    ('web',          5, '网站',         'Website'),
    ('in_person',    6, '当面',         'In person');

-- The part an app played in the scam.
INSERT INTO app_roles (code, position, label_zh, label_en) VALUES
    ('contact',      1, '联络',     'Contact'),
    ('chat',         2, '聊天',     'Chat'),
    ('screen_share', 3, '屏幕共享', 'Screen sharing'),
    ('payment',      4, '支付',     'Payment'),
    ('loan',         5, '借贷',     'Loan'),
    ('platform',     6, '平台',     'Platform');

-- Who the scammer claimed to be.
INSERT INTO impersonated_parties (code, position, label_zh, label_en) VALUES
    ('alipay_customer_service',    1, '支付宝客服',               'Alipay customer service'),
    ('wechat_customer_service',    2, '微信客服',                 'WeChat customer service'),
    ('ecommerce_customer_service', 3, '电商平台客服',             'E-commerce platform customer service'),
    ('courier',                    4, '快递物流公司',             'Courier or logistics company'),
    ('bank',                       5, '银行',                     'Bank'),
    ('loan_platform',              6, '网络贷款平台',             'Online lending platform'),
    ('financial_regulator',        7, '金融监管部门或征信机构',   'Financial regulator or credit bureau'),
    ('telecom_operator',           8, '电信运营商',               'Telecom operator'),
    ('police',                     9, '公安机关',                 'Police'),
    ('procuratorate_court',        10, '检察院或法院',            'Procuratorate or court'),
    ('government',                 11, '政府部门',                'Government agency'),
    ('military',                   12, '军队或武警',              'Military or armed police'),
    ('superior',                   13, '领导',                    'Superior at work'),
    ('acquaintance',               14, '亲友熟人',                'Relative, friend or acquaintance'),
    ('other',                      15, '其他',                    'Other');

-- How the scammer knew the victim's details.
INSERT INTO info_leaks (code, position, label_zh, label_en) VALUES
    ('waybill_leak',      1, '快递面单信息泄露',   'Parcel waybill leak'),
    ('order_data_leak',   2, '订单信息泄露',       'Order data leak'),
    ('account_data_leak', 3, '账户信息泄露',       'Account data leak'),
    ('social_media',      4, '社交媒体公开信息',   'Public social-media information'),
    ('unknown',           5, '不明',               'Unknown'),
    ('other',             6, '其他',               'Other');

INSERT INTO account_kinds (code, position, label_zh, label_en) VALUES
    ('bank_card',     1, '银行卡',         'Bank card'),
    ('alipay',        2, '支付宝',         'Alipay'),
    ('wechat_pay',    3, '微信支付',       'WeChat Pay'),
    ('digital_rmb',   4, '数字人民币',     'Digital RMB (e-CNY)'),
    ('crypto_wallet', 5, '虚拟货币钱包',   'Cryptocurrency wallet'),
    ('other',         6, '其他',           'Other');

-- Codes must start with a letter (the vocabulary CHECK), hence the age_ prefix.
INSERT INTO age_bands (code, position, label_zh, label_en) VALUES
    ('age_under_18', 1, '18岁以下',     'Under 18'),
    ('age_18_24',    2, '18-24岁',      '18-24'),
    ('age_25_34',    3, '25-34岁',      '25-34'),
    ('age_35_44',    4, '35-44岁',      '35-44'),
    ('age_45_54',    5, '45-54岁',      '45-54'),
    ('age_55_64',    6, '55-64岁',      '55-64'),
    ('age_65_plus',  7, '65岁及以上',   '65 and over');

INSERT INTO genders (code, position, label_zh, label_en) VALUES
    ('female',  1, '女',   'Female'),
    ('male',    2, '男',   'Male'),
    ('other',   3, '其他', 'Other'),
    ('unknown', 4, '未知', 'Unknown');
