"""Appendix 2 (R11): the handbook of business processes, one process through the provider
(R4-R8) and one through the portal (R9), reconstructed from the clauses.

Which element stands for which state of the running procedure is said in `mapping.py`.
"""

from __future__ import annotations

from bekitu.handbook.model import Annotation, Diagram, Flow, Lane, Node, Pool, Procedure, Text

MINUTES_30 = Text("30 минут", "30 минут", "30 minutes")
ONE_WORKING_DAY = Text("1 рабочий день", "1 жұмыс күні", "1 working day")
YES = Text("да", "иә", "yes")
NO = Text("нет", "жоқ", "no")

RECIPIENT = Text(
    "Услугополучатель или представитель",
    "Алушы немесе оның өкілі",
    "Recipient or representative",
)
SPECIALIST = Text(
    "Специалист статистического отдела",
    "Статистикалық кабинеттің маманы",
    "Statistics-office specialist",
)

_DOCUMENTS = Text(
    "заявление и документы по пункту 9 стандарта",
    "өтініш және стандарттың 9-тармағындағы құжаттар",
    "the application and the documents of paragraph 9 of the standard",
)

PROVIDER = Diagram(
    id="provider",
    file_name="appendix-2-provider.bpmn",
    title=Text(
        "Приложение 2. Справочник бизнес-процессов: через услугодателя",
        "2-қосымша. Бизнес-процестердің анықтамалығы: көрсетілетін қызметті беруші арқылы",
        "Appendix 2. Handbook of business processes: through the provider",
    ),
    clauses=("R4", "R4-1", "R5", "R6", "R7", "R8", "R11"),
    columns=8,
    pools=(
        Pool(
            id="Participant_provider",
            process_id="Process_provider",
            name=Text(
                "Прикрепление через услугодателя (срок 1 рабочий день, R5.3)",
                "Көрсетілетін қызметті беруші арқылы бекіту (мерзімі 1 жұмыс күні, R5.3)",
                "Attachment through the provider (term 1 working day, R5.3)",
            ),
            documentation=Text(
                "Пункты регламента: R4–R8. Срок оказания услуги: 1 рабочий день с момента "
                "сдачи документов услугодателю (R5.3).",
                "Регламенттің тармақтары: R4–R8. Қызмет көрсету мерзімі: құжаттарды тапсырған "
                "сәттен бастап 1 жұмыс күні (R5.3).",
                "Clauses: R4-R8. Term of the service: 1 working day from the moment the "
                "documents are submitted to the provider (R5.3).",
            ),
            lanes=(
                Lane("Lane_provider_recipient", RECIPIENT),
                Lane("Lane_provider_specialist", SPECIALIST, rows=2),
            ),
            nodes=(
                Node(
                    "Start_provider",
                    "startEvent",
                    Text(
                        "Обращение к услугодателю лично или по телефону (R1.2)",
                        "Қызметті берушіге тікелей немесе телефон арқылы жүгіну (R1.2)",
                        "Applies to the provider in person or by telephone (R1.2)",
                    ),
                    "Lane_provider_recipient",
                    0,
                    clauses=("R1.2",),
                ),
                Node(
                    "Task_provider_apply",
                    "userTask",
                    Text(
                        "Подача заявления и документов по п. 9 стандарта (R4)",
                        "Өтініш пен стандарттың 9-тармағындағы құжаттарды тапсыру (R4)",
                        "Submits the application and the documents of §9 of the standard (R4)",
                    ),
                    "Lane_provider_recipient",
                    1,
                    clauses=("R4", "R5.3"),
                    procedure=Procedure(
                        input=_DOCUMENTS,
                        output=Text(
                            "заявление зарегистрировано, начинается срок оказания услуги",
                            "өтініш тіркелді, қызмет көрсету мерзімі басталады",
                            "the application is recorded and the term of the service starts",
                        ),
                    ),
                ),
                Node(
                    "Gateway_provider_documents",
                    "exclusiveGateway",
                    Text(
                        "Документы и сведения достоверны? (R4-1)",
                        "Құжаттар мен деректер дұрыс па? (R4-1)",
                        "Documents and data reliable? (R4-1)",
                    ),
                    "Lane_provider_specialist",
                    2,
                    clauses=("R4-1", "R8.1"),
                ),
                Node(
                    "Task_provider_action1",
                    "userTask",
                    Text(
                        "Действие 1: приём документов, 30 минут (R5.1, R8.1)",
                        "1-іс-қимыл: құжаттарды қабылдау, 30 минут (R5.1, R8.1)",
                        "Action 1: accept the documents, 30 minutes (R5.1, R8.1)",
                    ),
                    "Lane_provider_specialist",
                    3,
                    clauses=("R5.1", "R8.1", "R6"),
                    duration=MINUTES_30,
                    procedure=Procedure(
                        input=_DOCUMENTS,
                        output=Text(
                            "документы приняты: основание для действия 2 (R6)",
                            "құжаттар қабылданды: 2-іс-қимылдың басталуына негіз (R6)",
                            "documents accepted: the ground to start action 2 (R6)",
                        ),
                    ),
                ),
                Node(
                    "Gateway_provider_grounds",
                    "exclusiveGateway",
                    Text(
                        "Основания для прикрепления соблюдены? (R4-1)",
                        "Бекіту негіздері сақталған ба? (R4-1)",
                        "Grounds for attachment met? (R4-1)",
                    ),
                    "Lane_provider_specialist",
                    4,
                    clauses=("R4-1",),
                ),
                Node(
                    "Task_provider_action2",
                    "userTask",
                    Text(
                        "Действие 2: выдача талона о прикреплении, 30 минут (R5.2, R8.2)",
                        "2-іс-қимыл: бекіту туралы талонды беру, 30 минут (R5.2, R8.2)",
                        "Action 2: issue the talon of attachment, 30 minutes (R5.2, R8.2)",
                    ),
                    "Lane_provider_specialist",
                    5,
                    clauses=("R5.2", "R8.2", "R6", "R3.1"),
                    duration=MINUTES_30,
                    procedure=Procedure(
                        input=Text(
                            "принятые документы (результат действия 1)",
                            "қабылданған құжаттар (1-іс-қимылдың нәтижесі)",
                            "the accepted documents (the result of action 1)",
                        ),
                        output=Text(
                            "талон о прикреплении в бумажном виде (R3.1, R6)",
                            "қағаз түріндегі бекіту туралы талон (R3.1, R6)",
                            "the paper talon of attachment (R3.1, R6)",
                        ),
                    ),
                ),
                Node(
                    "Gateway_provider_refusal",
                    "exclusiveGateway",
                    Text("", "", ""),
                    "Lane_provider_specialist",
                    4,
                    row=1,
                ),
                Node(
                    "Task_provider_refuse",
                    "userTask",
                    Text(
                        "Мотивированный отказ в оказании услуги (R4-1)",
                        "Қызмет көрсетуден дәлелді бас тарту (R4-1)",
                        "Reasoned refusal of the service (R4-1)",
                    ),
                    "Lane_provider_specialist",
                    5,
                    row=1,
                    clauses=("R4-1",),
                    procedure=Procedure(
                        input=Text(
                            "недостоверные документы или сведения, несоблюдение оснований",
                            "дұрыс емес құжаттар немесе деректер, негіздердің сақталмауы",
                            "unreliable documents or data, or grounds not met",
                        ),
                        output=Text(
                            "отказ с причиной и правовым основанием",
                            "себебі мен құқықтық негізі көрсетілген бас тарту",
                            "a refusal giving its reason and legal ground",
                        ),
                    ),
                ),
                Node(
                    "End_provider_talon",
                    "endEvent",
                    Text(
                        "Талон о прикреплении получен (R3.1)",
                        "Бекіту туралы талон алынды (R3.1)",
                        "Talon of attachment received (R3.1)",
                    ),
                    "Lane_provider_recipient",
                    6,
                    clauses=("R3.1", "R6"),
                ),
                Node(
                    "End_provider_refusal",
                    "endEvent",
                    Text(
                        "Отказ получен (R4-1)", "Бас тарту алынды (R4-1)", "Refusal received (R4-1)"
                    ),
                    "Lane_provider_recipient",
                    7,
                    clauses=("R4-1",),
                ),
            ),
            flows=(
                Flow("Flow_provider_apply", "Start_provider", "Task_provider_apply"),
                Flow(
                    "Flow_provider_to_check",
                    "Task_provider_apply",
                    "Gateway_provider_documents",
                    route="hv",
                ),
                Flow(
                    "Flow_provider_accept",
                    "Gateway_provider_documents",
                    "Task_provider_action1",
                    name=YES,
                    default=True,
                ),
                Flow(
                    "Flow_provider_unreliable",
                    "Gateway_provider_documents",
                    "Gateway_provider_refusal",
                    name=NO,
                    condition="not documents_reliable",
                    route="vh",
                ),
                Flow(
                    "Flow_provider_to_grounds", "Task_provider_action1", "Gateway_provider_grounds"
                ),
                Flow(
                    "Flow_provider_issue",
                    "Gateway_provider_grounds",
                    "Task_provider_action2",
                    name=YES,
                    default=True,
                ),
                Flow(
                    "Flow_provider_grounds_failed",
                    "Gateway_provider_grounds",
                    "Gateway_provider_refusal",
                    name=NO,
                    condition="not grounds_met",
                    route="vh",
                ),
                Flow("Flow_provider_to_refuse", "Gateway_provider_refusal", "Task_provider_refuse"),
                Flow("Flow_provider_talon", "Task_provider_action2", "End_provider_talon"),
                Flow("Flow_provider_refusal", "Task_provider_refuse", "End_provider_refusal"),
            ),
        ),
    ),
    annotations=(
        Annotation(
            "Annotation_provider_term",
            Text(
                "Срок оказания услуги: 1 рабочий день (R5.3)",
                "Қызмет көрсету мерзімі: 1 жұмыс күні (R5.3)",
                "Term of the service: 1 working day (R5.3)",
            ),
            col=3.6,
            lane="Lane_provider_recipient",
        ),
    ),
)

PORTAL_LANE = Text(
    "Портал «электронного правительства»",
    "«Электрондық үкімет» порталы",
    "The e-government portal",
)
GATEWAY_LANE = Text(
    "Шлюз «электронного правительства» (ШЭП)",
    "«Электрондық үкіметтің» шлюзі (ЭҮШ)",
    "The e-government gateway",
)
WORKSTATION_LANE = Text(
    "АРМ услугодателя (специалист статистического отдела)",
    "Көрсетілетін қызметті берушінің АЖО (статистикалық кабинеттің маманы)",
    "The provider's workstation (statistics-office specialist)",
)
_REQUEST = Text(
    "электронный запрос, удостоверенный ЭЦП услугополучателя",
    "көрсетілетін қызметті алушының ЭЦҚ куәландырылған электрондық сұраныс",
    "the electronic request certified with the recipient's EDS",
)


def _node(
    node_id: str,
    kind: str,
    name: Text,
    lane: str,
    col: float,
    clauses: tuple[str, ...],
    *,
    row: float = 0,
    procedure: Procedure | None = None,
) -> Node:
    return Node(node_id, kind, name, lane, col, row, clauses, procedure=procedure)


def _procedure(input_: tuple[str, str, str], output: tuple[str, str, str]) -> Procedure:
    return Procedure(Text(*input_), Text(*output))


_REC, _POR, _GW, _ARM = (
    "Lane_portal_recipient",
    "Lane_portal_portal",
    "Lane_portal_gateway",
    "Lane_portal_workstation",
)

PORTAL = Diagram(
    id="portal",
    file_name="appendix-2-portal.bpmn",
    title=Text(
        "Приложение 2. Справочник бизнес-процессов: через портал",
        "2-қосымша. Бизнес-процестердің анықтамалығы: портал арқылы",
        "Appendix 2. Handbook of business processes: through the portal",
    ),
    clauses=("R9", "R11"),
    columns=11,
    pools=(
        Pool(
            id="Participant_portal",
            process_id="Process_portal",
            name=Text(
                "Прикрепление через портал (срок 1 рабочий день, R9.13)",
                "Портал арқылы бекіту (мерзімі 1 жұмыс күні, R9.13)",
                "Attachment through the portal (term 1 working day, R9.13)",
            ),
            documentation=Text(
                "Пункты регламента: R9.1–R9.13. Срок: 1 рабочий день с момента сдачи "
                "документов (R9.13).",
                "Регламенттің тармақтары: R9.1–R9.13. Мерзімі: құжаттарды тапсырған сәттен "
                "бастап 1 жұмыс күні (R9.13).",
                "Clauses: R9.1-R9.13. Term: 1 working day from the moment the documents are "
                "submitted (R9.13).",
            ),
            lanes=(
                Lane(_REC, RECIPIENT),
                Lane(_POR, PORTAL_LANE),
                Lane(_GW, GATEWAY_LANE),
                Lane(_ARM, WORKSTATION_LANE, rows=2),
            ),
            nodes=(
                _node(
                    "Start_portal",
                    "startEvent",
                    Text(
                        "Зарегистрирован на портале по ИИН и паролю (R9.1)",
                        "Порталда ЖСН және пароль арқылы тіркелген (R9.1)",
                        "Registered on the portal with IIN and password (R9.1)",
                    ),
                    _REC,
                    0,
                    ("R9.1",),
                ),
                _node(
                    "Task_portal_login",
                    "userTask",
                    Text(
                        "Процесс 1: ввод ИИН и пароля (авторизация) (R9.2)",
                        "1-процесс: ЖСН мен парольді енгізу (авторлау) (R9.2)",
                        "Process 1: enters IIN and password (authorization) (R9.2)",
                    ),
                    _REC,
                    1,
                    ("R9.2",),
                    procedure=_procedure(
                        ("ИИН и пароль", "ЖСН және пароль", "IIN and password"),
                        ("запрос на авторизацию", "авторлауға сұраныс", "a request to log in"),
                    ),
                ),
                _node(
                    "Gateway_portal_condition1",
                    "exclusiveGateway",
                    Text(
                        "Условие 1: данные услугополучателя подлинны? (R9.3)",
                        "1-шарт: алушы туралы деректер түпнұсқа ма? (R9.3)",
                        "Condition 1: recipient's data authentic? (R9.3)",
                    ),
                    _POR,
                    2,
                    ("R9.3",),
                ),
                _node(
                    "Task_portal_auth_refusal",
                    "serviceTask",
                    Text(
                        "Процесс 2: сообщение об отказе в авторизации (R9.4)",
                        "2-процесс: авторлаудан бас тарту туралы хабарлама (R9.4)",
                        "Process 2: message refusing authorization (R9.4)",
                    ),
                    _POR,
                    3,
                    ("R9.4",),
                    procedure=_procedure(
                        (
                            "неверные ИИН или пароль",
                            "қате ЖСН немесе пароль",
                            "wrong IIN or password",
                        ),
                        (
                            "сообщение об отказе в авторизации",
                            "авторлаудан бас тарту туралы хабарлама",
                            "a message refusing authorization",
                        ),
                    ),
                ),
                _node(
                    "End_portal_auth_refused",
                    "endEvent",
                    Text("Авторизация отклонена", "Авторлау қабылданбады", "Authorization refused"),
                    _POR,
                    4,
                    ("R9.4",),
                ),
                _node(
                    "Task_portal_request",
                    "userTask",
                    Text(
                        "Процесс 3: запрос, копии документов, подписание ЭЦП (R9.5)",
                        "3-процесс: сұраныс, құжаттардың көшірмелері, ЭЦҚ-мен қол қою (R9.5)",
                        "Process 3: request, copies of documents, signing with EDS (R9.5)",
                    ),
                    _REC,
                    3,
                    ("R9.5", "R4"),
                    procedure=_procedure(
                        (
                            "форма запроса; электронные копии документов по п. 9 стандарта",
                            "сұраныс нысаны; стандарттың 9-тармағындағы құжаттардың көшірмелері",
                            "the request form; electronic copies of the documents of §9",
                        ),
                        (_REQUEST.ru, _REQUEST.kk, _REQUEST.en),
                    ),
                ),
                _node(
                    "Gateway_portal_condition2",
                    "exclusiveGateway",
                    Text(
                        "Условие 2: ЭЦП подтверждена (срок, отзыв, ИИН)? (R9.6)",
                        "2-шарт: ЭЦҚ расталды ма (мерзімі, кері қайтарылуы, ЖСН)? (R9.6)",
                        "Condition 2: EDS confirmed (validity, revocation, IIN)? (R9.6)",
                    ),
                    _POR,
                    5,
                    ("R9.6",),
                ),
                _node(
                    "Task_portal_eds_refusal",
                    "serviceTask",
                    Text(
                        "Процесс 4: отказ, ЭЦП не подтверждена (R9.7)",
                        "4-процесс: бас тарту, ЭЦҚ расталмады (R9.7)",
                        "Process 4: refusal, EDS not confirmed (R9.7)",
                    ),
                    _POR,
                    6,
                    ("R9.7",),
                    procedure=_procedure(
                        (_REQUEST.ru, _REQUEST.kk, _REQUEST.en),
                        (
                            "сообщение об отказе в услуге",
                            "қызметтен бас тарту туралы хабарлама",
                            "a message refusing the service",
                        ),
                    ),
                ),
                _node(
                    "End_portal_eds_refused",
                    "endEvent",
                    Text("Отказ направлен", "Бас тарту жіберілді", "Refusal sent"),
                    _POR,
                    7,
                    ("R9.7",),
                ),
                _node(
                    "Task_portal_send",
                    "serviceTask",
                    Text(
                        "Процесс 5: запрос направлен через ШЭП в АРМ (R9.8)",
                        "5-процесс: сұраныс ЭҮШ арқылы АЖО-ға жіберілді (R9.8)",
                        "Process 5: the request is sent through the gateway (R9.8)",
                    ),
                    _GW,
                    6,
                    ("R9.8",),
                    procedure=_procedure(
                        (_REQUEST.ru, _REQUEST.kk, _REQUEST.en),
                        (
                            "электронный документ доставлен в АРМ услугодателя",
                            "электрондық құжат көрсетілетін қызметті берушінің АЖО-на жеткізілді",
                            "the electronic document delivered to the provider's workstation",
                        ),
                    ),
                ),
                _node(
                    "Task_portal_register",
                    "serviceTask",
                    Text(
                        "Процесс 6: регистрация электронного документа в АРМ (R9.9)",
                        "6-процесс: электрондық құжатты АЖО-да тіркеу (R9.9)",
                        "Process 6: the e-document is registered in the workstation (R9.9)",
                    ),
                    _ARM,
                    7,
                    ("R9.9",),
                    procedure=_procedure(
                        (
                            "доставленный электронный документ",
                            "жеткізілген электрондық құжат",
                            "the delivered electronic document",
                        ),
                        (
                            "зарегистрированный запрос",
                            "тіркелген сұраныс",
                            "the registered request",
                        ),
                    ),
                ),
                _node(
                    "Gateway_portal_condition3",
                    "exclusiveGateway",
                    Text(
                        "Условие 3: основания для оказания услуги соблюдены? (R9.10)",
                        "3-шарт: қызмет көрсету негіздері сақталған ба? (R9.10)",
                        "Condition 3: grounds of the service met? (R9.10)",
                    ),
                    _ARM,
                    8,
                    ("R9.10", "R4-1"),
                ),
                _node(
                    "Task_portal_talon",
                    "serviceTask",
                    Text(
                        "Процесс 8: талон, удостоверенный ЭЦП услугодателя (R9.12)",
                        "8-процесс: қызмет берушінің ЭЦҚ-мен куәландырылған талон (R9.12)",
                        "Process 8: talon certified with the provider's EDS (R9.12)",
                    ),
                    _ARM,
                    9,
                    ("R9.12", "R3.1"),
                    procedure=_procedure(
                        ("проверенный запрос", "тексерілген сұраныс", "the checked request"),
                        (
                            "электронный талон, подписанный ЭЦП услугодателя",
                            "қызмет берушінің ЭЦҚ-мен қол қойылған электрондық талон",
                            "the electronic talon signed with the provider's EDS",
                        ),
                    ),
                ),
                _node(
                    "End_portal_talon",
                    "endEvent",
                    Text("Талон получен (R9.12)", "Талон алынды (R9.12)", "Talon received (R9.12)"),
                    _ARM,
                    10,
                    ("R9.12",),
                ),
                _node(
                    "Task_portal_refuse",
                    "serviceTask",
                    Text(
                        "Процесс 7: отказ в связи с нарушениями (R9.11)",
                        "7-процесс: бұзушылыққа байланысты бас тарту (R9.11)",
                        "Process 7: refusal because of violations (R9.11)",
                    ),
                    _ARM,
                    9,
                    ("R9.11", "R4-1"),
                    row=1,
                    procedure=_procedure(
                        (
                            "запрос, не прошедший проверку",
                            "тексеруден өтпеген сұраныс",
                            "the request that failed the check",
                        ),
                        (
                            "отказ с причиной и правовым основанием",
                            "себебі мен құқықтық негізі көрсетілген бас тарту",
                            "a refusal giving its reason and legal ground",
                        ),
                    ),
                ),
                _node(
                    "End_portal_refused",
                    "endEvent",
                    Text(
                        "Отказ получен (R9.11)",
                        "Бас тарту алынды (R9.11)",
                        "Refusal received (R9.11)",
                    ),
                    _ARM,
                    10,
                    ("R9.11",),
                    row=1,
                ),
            ),
            flows=(
                Flow("Flow_portal_login", "Start_portal", "Task_portal_login"),
                Flow(
                    "Flow_portal_authorize",
                    "Task_portal_login",
                    "Gateway_portal_condition1",
                    route="vh",
                ),
                Flow(
                    "Flow_portal_authorized",
                    "Gateway_portal_condition1",
                    "Task_portal_request",
                    name=YES,
                    default=True,
                    route="vh",
                ),
                Flow(
                    "Flow_portal_not_authorized",
                    "Gateway_portal_condition1",
                    "Task_portal_auth_refusal",
                    name=NO,
                    condition="not data_authentic",
                ),
                Flow(
                    "Flow_portal_auth_refused",
                    "Task_portal_auth_refusal",
                    "End_portal_auth_refused",
                ),
                Flow("Flow_portal_submit", "Task_portal_request", "Gateway_portal_condition2"),
                Flow(
                    "Flow_portal_eds_confirmed",
                    "Gateway_portal_condition2",
                    "Task_portal_send",
                    name=YES,
                    default=True,
                    route="vh",
                ),
                Flow(
                    "Flow_portal_eds_not_confirmed",
                    "Gateway_portal_condition2",
                    "Task_portal_eds_refusal",
                    name=NO,
                    condition="not eds_confirmed",
                ),
                Flow(
                    "Flow_portal_eds_refused", "Task_portal_eds_refusal", "End_portal_eds_refused"
                ),
                Flow("Flow_portal_deliver", "Task_portal_send", "Task_portal_register"),
                Flow("Flow_portal_check", "Task_portal_register", "Gateway_portal_condition3"),
                Flow(
                    "Flow_portal_grounds_met",
                    "Gateway_portal_condition3",
                    "Task_portal_talon",
                    name=YES,
                    default=True,
                ),
                Flow(
                    "Flow_portal_grounds_failed",
                    "Gateway_portal_condition3",
                    "Task_portal_refuse",
                    name=NO,
                    condition="not grounds_met",
                    route="vh",
                ),
                Flow("Flow_portal_talon", "Task_portal_talon", "End_portal_talon"),
                Flow("Flow_portal_refused", "Task_portal_refuse", "End_portal_refused"),
            ),
        ),
    ),
    annotations=(
        Annotation(
            "Annotation_portal_term",
            Text(
                "Срок оказания услуги: 1 рабочий день (R9.13)",
                "Қызмет көрсету мерзімі: 1 жұмыс күні (R9.13)",
                "Term of the service: 1 working day (R9.13)",
            ),
            col=7,
            lane=_REC,
        ),
    ),
)
