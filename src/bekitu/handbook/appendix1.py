"""Appendix 1 (R10): the functional interaction diagram of the information systems in the
portal channel, as a BPMN collaboration: a pool per system, message flows for R9.1-R9.12.

The columns are chosen so that every message runs straight up or down and no two lines
cross: a system answers in the column where it was asked.
"""

from __future__ import annotations

from itertools import pairwise

from bekitu.handbook.model import Diagram, Flow, MessageFlow, Node, Pool, Text

YES = Text("да", "иә", "yes")
NO = Text("нет", "жоқ", "no")


def _n(
    node_id: str,
    kind: str,
    names: tuple[str, str, str],
    pool: str,
    col: float,
    *clauses: str,
    row: float = 0,
) -> Node:
    return Node(
        node_id, kind, Text(*names), pool, col, row, clauses, message=node_id.startswith("StartMsg")
    )


def _chain(prefix: str, *ids: str) -> tuple[Flow, ...]:
    return tuple(Flow(f"Flow_{prefix}_{i}", a, b) for i, (a, b) in enumerate(pairwise(ids), 1))


def _m(
    message_id: str,
    source: str,
    target: str,
    names: tuple[str, str, str],
    *clauses: str,
    dx: int = 0,
) -> MessageFlow:
    return MessageFlow(
        message_id, source, target, Text(*names), clauses, source_dx=dx, target_dx=dx
    )


_REC, _POR, _CA, _GW, _ARM, _GBD, _RPN = (
    "Participant_a1_recipient",
    "Participant_a1_portal",
    "Participant_a1_ca",
    "Participant_a1_gateway",
    "Participant_a1_workstation",
    "Participant_a1_population",
    "Participant_a1_register",
)

RECIPIENT = Pool(
    id=_REC,
    process_id="Process_a1_recipient",
    name=Text(
        "Услугополучатель: браузер и NCALayer",
        "Көрсетілетін қызметті алушы: браузер және NCALayer",
        "Recipient: browser and NCALayer",
    ),
    nodes=(
        _n(
            "Start_a1_recipient",
            "startEvent",
            ("Нужна услуга", "Қызмет қажет", "Needs the service"),
            _REC,
            0,
        ),
        _n(
            "Task_a1_register",
            "userTask",
            (
                "Регистрация на портале: ИИН и пароль (R9.1)",
                "Порталда тіркелу: ЖСН және пароль (R9.1)",
                "Registers on the portal: IIN and password (R9.1)",
            ),
            _REC,
            1,
            "R9.1",
        ),
        _n(
            "Task_a1_login",
            "userTask",
            (
                "Процесс 1: ввод ИИН и пароля (R9.2)",
                "1-процесс: ЖСН мен парольді енгізу (R9.2)",
                "Process 1: enters IIN and password (R9.2)",
            ),
            _REC,
            3,
            "R9.2",
        ),
        _n(
            "Task_a1_fill",
            "userTask",
            (
                "Процесс 3: заполнение запроса, копии документов (R9.5)",
                "3-процесс: сұранысты толтыру, құжаттардың көшірмелері (R9.5)",
                "Process 3: fills in the request, attaches copies (R9.5)",
            ),
            _REC,
            6,
            "R9.5",
        ),
        _n(
            "Task_a1_sign",
            "userTask",
            (
                "Подписание запроса ЭЦП в NCALayer (R9.5)",
                "Сұранысқа NCALayer-де ЭЦҚ-мен қол қою (R9.5)",
                "Signs the request with EDS in NCALayer (R9.5)",
            ),
            _REC,
            7,
            "R9.5",
            "R9.8",
        ),
        _n(
            "Task_a1_result",
            "receiveTask",
            (
                "Получение талона или отказа в личном кабинете (R9.11, R9.12)",
                "Жеке кабинетте талонды немесе бас тартуды алу (R9.11, R9.12)",
                "Receives the talon or the refusal in the personal cabinet (R9.11, R9.12)",
            ),
            _REC,
            17,
            "R9.11",
            "R9.12",
        ),
        _n(
            "End_a1_recipient",
            "endEvent",
            ("Результат получен", "Нәтиже алынды", "Result received"),
            _REC,
            18,
            "R3.2",
        ),
    ),
    flows=_chain(
        "a1_recipient",
        "Start_a1_recipient",
        "Task_a1_register",
        "Task_a1_login",
        "Task_a1_fill",
        "Task_a1_sign",
        "Task_a1_result",
        "End_a1_recipient",
    ),
)

PORTAL = Pool(
    id=_POR,
    process_id="Process_a1_portal",
    name=Text(
        "Портал «электронного правительства»", "«Электрондық үкімет» порталы", "E-government portal"
    ),
    rows=2,
    nodes=(
        _n(
            "StartMsg_a1_portal",
            "startEvent",
            ("Запрос на регистрацию", "Тіркелуге сұраныс", "Registration request"),
            _POR,
            1,
            "R9.1",
            row=1,
        ),
        _n(
            "Task_a1_portal_register",
            "serviceTask",
            (
                "Регистрация пользователя, проверка ИИН (R9.1)",
                "Пайдаланушыны тіркеу, ЖСН тексеру (R9.1)",
                "Registers the user, checks the IIN (R9.1)",
            ),
            _POR,
            2,
            "R9.1",
            row=1,
        ),
        _n(
            "Task_a1_condition1",
            "serviceTask",
            (
                "Условие 1: проверка ИИН и пароля (R9.3)",
                "1-шарт: ЖСН мен парольді тексеру (R9.3)",
                "Condition 1: checks IIN and password (R9.3)",
            ),
            _POR,
            3,
            "R9.3",
            row=1,
        ),
        _n(
            "Gateway_a1_condition1",
            "exclusiveGateway",
            ("Данные подлинны? (R9.3)", "Деректер түпнұсқа ма? (R9.3)", "Data authentic? (R9.3)"),
            _POR,
            4,
            "R9.3",
            row=1,
        ),
        _n(
            "Task_a1_auth_refusal",
            "serviceTask",
            (
                "Процесс 2: отказ в авторизации (R9.4)",
                "2-процесс: авторлаудан бас тарту (R9.4)",
                "Process 2: refuses authorization (R9.4)",
            ),
            _POR,
            5,
            "R9.4",
        ),
        _n(
            "End_a1_auth_refused",
            "endEvent",
            ("Авторизация отклонена", "Авторлау қабылданбады", "Authorization refused"),
            _POR,
            5.75,
            "R9.4",
        ),
        _n(
            "Task_a1_form",
            "serviceTask",
            (
                "Вывод формы запроса (R9.5)",
                "Сұраныс нысанын экранға шығару (R9.5)",
                "Shows the request form (R9.5)",
            ),
            _POR,
            6,
            "R9.5",
            row=1,
        ),
        _n(
            "Task_a1_condition2",
            "serviceTask",
            (
                "Условие 2: проверка ЭЦП: срок, отзыв, ИИН (R9.6)",
                "2-шарт: ЭЦҚ тексеру: мерзімі, кері қайтарылуы, ЖСН (R9.6)",
                "Condition 2: checks the EDS: validity, revocation, IIN (R9.6)",
            ),
            _POR,
            7,
            "R9.6",
            row=1,
        ),
        _n(
            "Gateway_a1_condition2",
            "exclusiveGateway",
            ("ЭЦП подтверждена? (R9.6)", "ЭЦҚ расталды ма? (R9.6)", "EDS confirmed? (R9.6)"),
            _POR,
            8,
            "R9.6",
            row=1,
        ),
        _n(
            "Task_a1_eds_refusal",
            "serviceTask",
            (
                "Процесс 4: отказ, ЭЦП не подтверждена (R9.7)",
                "4-процесс: бас тарту, ЭЦҚ расталмады (R9.7)",
                "Process 4: refusal, EDS not confirmed (R9.7)",
            ),
            _POR,
            9,
            "R9.7",
        ),
        _n(
            "End_a1_eds_refused",
            "endEvent",
            ("Отказ направлен", "Бас тарту жіберілді", "Refusal sent"),
            _POR,
            9.75,
            "R9.7",
        ),
        _n(
            "Task_a1_send",
            "sendTask",
            (
                "Процесс 5: отправка запроса через ШЭП (R9.8)",
                "5-процесс: сұранысты ЭҮШ арқылы жіберу (R9.8)",
                "Process 5: sends the request through the gateway (R9.8)",
            ),
            _POR,
            10,
            "R9.8",
            row=1,
        ),
        _n(
            "Task_a1_portal_result",
            "receiveTask",
            (
                "Ответ услугодателя в личный кабинет (R9.11, R9.12)",
                "Қызмет берушінің жауабы жеке кабинетке (R9.11, R9.12)",
                "The provider's answer to the personal cabinet (R9.11, R9.12)",
            ),
            _POR,
            17,
            "R9.11",
            "R9.12",
            row=1,
        ),
        _n(
            "End_a1_portal",
            "endEvent",
            ("Ответ доставлен", "Жауап жеткізілді", "Answer delivered"),
            _POR,
            18,
            row=1,
        ),
    ),
    flows=(
        *_chain(
            "a1_portal",
            "StartMsg_a1_portal",
            "Task_a1_portal_register",
            "Task_a1_condition1",
            "Gateway_a1_condition1",
        ),
        Flow(
            "Flow_a1_portal_authorized",
            "Gateway_a1_condition1",
            "Task_a1_form",
            name=YES,
            default=True,
        ),
        Flow(
            "Flow_a1_portal_not_authorized",
            "Gateway_a1_condition1",
            "Task_a1_auth_refusal",
            name=NO,
            condition="not data_authentic",
            route="vh",
        ),
        Flow("Flow_a1_portal_auth_refused", "Task_a1_auth_refusal", "End_a1_auth_refused"),
        Flow("Flow_a1_portal_to_condition2", "Task_a1_form", "Task_a1_condition2"),
        Flow("Flow_a1_portal_eds_checked", "Task_a1_condition2", "Gateway_a1_condition2"),
        Flow(
            "Flow_a1_portal_eds_confirmed",
            "Gateway_a1_condition2",
            "Task_a1_send",
            name=YES,
            default=True,
        ),
        Flow(
            "Flow_a1_portal_eds_not_confirmed",
            "Gateway_a1_condition2",
            "Task_a1_eds_refusal",
            name=NO,
            condition="not eds_confirmed",
            route="vh",
        ),
        Flow("Flow_a1_portal_eds_refused", "Task_a1_eds_refusal", "End_a1_eds_refused"),
        *_chain("a1_portal_answer", "Task_a1_send", "Task_a1_portal_result", "End_a1_portal"),
    ),
)

CA = Pool(
    id=_CA,
    name=Text(
        "Удостоверяющий центр: OCSP и списки отозванных сертификатов",
        "Куәландырушы орталық: OCSP және кері қайтарылған сертификаттар тізімі",
        "Certification authority: OCSP and revocation lists",
    ),
)

GATEWAY = Pool(
    id=_GW,
    process_id="Process_a1_gateway",
    name=Text(
        "Шлюз «электронного правительства» (ШЭП)",
        "«Электрондық үкімет» шлюзі (ЭҮШ)",
        "E-government gateway",
    ),
    nodes=(
        _n(
            "StartMsg_a1_gateway",
            "startEvent",
            ("Запрос от портала", "Порталдан сұраныс", "Request from the portal"),
            _GW,
            10,
            "R9.8",
        ),
        _n(
            "Task_a1_deliver",
            "sendTask",
            (
                "Доставка запроса в АРМ услугодателя (R9.8)",
                "Сұранысты қызмет берушінің АЖО-на жеткізу (R9.8)",
                "Delivers the request to the provider's workstation (R9.8)",
            ),
            _GW,
            11,
            "R9.8",
        ),
        _n(
            "Task_a1_return",
            "sendTask",
            (
                "Доставка ответа на портал (R9.11, R9.12)",
                "Жауапты порталға жеткізу (R9.11, R9.12)",
                "Delivers the answer to the portal (R9.11, R9.12)",
            ),
            _GW,
            17,
            "R9.11",
            "R9.12",
        ),
        _n(
            "End_a1_gateway",
            "endEvent",
            ("Ответ доставлен", "Жауап жеткізілді", "Answer delivered"),
            _GW,
            18,
        ),
    ),
    flows=_chain(
        "a1_gateway", "StartMsg_a1_gateway", "Task_a1_deliver", "Task_a1_return", "End_a1_gateway"
    ),
)

WORKSTATION = Pool(
    id=_ARM,
    process_id="Process_a1_workstation",
    name=Text("АРМ услугодателя", "Көрсетілетін қызметті берушінің АЖО", "Provider's workstation"),
    rows=2,
    nodes=(
        _n(
            "StartMsg_a1_workstation",
            "startEvent",
            ("Запрос получен", "Сұраныс алынды", "Request received"),
            _ARM,
            11,
            "R9.8",
        ),
        _n(
            "Task_a1_register_request",
            "serviceTask",
            (
                "Процесс 6: регистрация электронного документа (R9.9)",
                "6-процесс: электрондық құжатты тіркеу (R9.9)",
                "Process 6: registers the e-document (R9.9)",
            ),
            _ARM,
            12,
            "R9.9",
        ),
        _n(
            "Task_a1_condition3",
            "serviceTask",
            (
                "Условие 3: проверка оснований (R9.10)",
                "3-шарт: негіздерді тексеру (R9.10)",
                "Condition 3: checks the grounds (R9.10)",
            ),
            _ARM,
            13,
            "R9.10",
        ),
        _n(
            "Gateway_a1_condition3",
            "exclusiveGateway",
            (
                "Основания соблюдены? (R9.10)",
                "Негіздер сақталған ба? (R9.10)",
                "Grounds met? (R9.10)",
            ),
            _ARM,
            14,
            "R9.10",
        ),
        _n(
            "Task_a1_refuse",
            "serviceTask",
            (
                "Процесс 7: отказ (R9.11)",
                "7-процесс: бас тарту (R9.11)",
                "Process 7: refusal (R9.11)",
            ),
            _ARM,
            15,
            "R9.11",
        ),
        _n(
            "Task_a1_talon",
            "serviceTask",
            (
                "Процесс 8: талон с ЭЦП услугодателя (R9.12)",
                "8-процесс: қызмет берушінің ЭЦҚ-мен талон (R9.12)",
                "Process 8: talon with the provider's EDS (R9.12)",
            ),
            _ARM,
            15,
            "R9.12",
            row=1,
        ),
        _n("Gateway_a1_answer", "exclusiveGateway", ("", "", ""), _ARM, 16),
        _n(
            "Task_a1_answer",
            "sendTask",
            (
                "Отправка ответа через ШЭП (R9.11, R9.12)",
                "Жауапты ЭҮШ арқылы жіберу (R9.11, R9.12)",
                "Sends the answer through the gateway (R9.11, R9.12)",
            ),
            _ARM,
            17,
            "R9.11",
            "R9.12",
        ),
        _n(
            "End_a1_workstation",
            "endEvent",
            ("Ответ отправлен", "Жауап жіберілді", "Answer sent"),
            _ARM,
            18,
        ),
    ),
    flows=(
        *_chain(
            "a1_workstation",
            "StartMsg_a1_workstation",
            "Task_a1_register_request",
            "Task_a1_condition3",
            "Gateway_a1_condition3",
        ),
        Flow(
            "Flow_a1_workstation_failed",
            "Gateway_a1_condition3",
            "Task_a1_refuse",
            name=NO,
            condition="not grounds_met",
        ),
        Flow(
            "Flow_a1_workstation_met",
            "Gateway_a1_condition3",
            "Task_a1_talon",
            name=YES,
            default=True,
            route="vh",
        ),
        Flow("Flow_a1_workstation_refused", "Task_a1_refuse", "Gateway_a1_answer"),
        Flow("Flow_a1_workstation_talon", "Task_a1_talon", "Gateway_a1_answer", route="hv"),
        *_chain(
            "a1_workstation_answer", "Gateway_a1_answer", "Task_a1_answer", "End_a1_workstation"
        ),
    ),
)

POPULATION = Pool(
    id=_GBD,
    name=Text("ГБД «Физические лица»", "«Жеке тұлғалар» МДҚ", "State database of individuals"),
)
REGISTER = Pool(
    id=_RPN,
    name=Text(
        "Регистр прикреплённого населения (РПН)",
        "Бекітілген халық тіркелімі (БХТ)",
        "Register of attached population",
    ),
)

INTERACTION = Diagram(
    id="interaction",
    file_name="appendix-1-interaction.bpmn",
    title=Text(
        "Приложение 1. Диаграмма функционального взаимодействия информационных систем",
        "1-қосымша. Ақпараттық жүйелердің функционалдық өзара іс-қимыл диаграммасы",
        "Appendix 1. Functional interaction diagram of the information systems",
    ),
    clauses=("R9", "R10"),
    columns=19,
    pools=(RECIPIENT, PORTAL, CA, GATEWAY, WORKSTATION, POPULATION, REGISTER),
    message_flows=(
        _m(
            "Message_a1_register",
            "Task_a1_register",
            "StartMsg_a1_portal",
            ("ИИН и пароль", "ЖСН және пароль", "IIN and password"),
            "R9.1",
        ),
        _m(
            "Message_a1_iin",
            "Task_a1_portal_register",
            _GBD,
            ("Проверка ИИН", "ЖСН тексеру", "IIN check"),
            "R9.1",
        ),
        _m(
            "Message_a1_login",
            "Task_a1_login",
            "Task_a1_condition1",
            ("Вход: ИИН и пароль", "Кіру: ЖСН және пароль", "Log-in: IIN and password"),
            "R9.2",
            "R9.3",
        ),
        _m(
            "Message_a1_auth_refusal",
            "Task_a1_auth_refusal",
            _REC,
            ("Отказ в авторизации", "Авторлаудан бас тарту", "Authorization refused"),
            "R9.4",
        ),
        _m(
            "Message_a1_form",
            "Task_a1_form",
            "Task_a1_fill",
            ("Форма запроса", "Сұраныс нысаны", "Request form"),
            "R9.5",
        ),
        _m(
            "Message_a1_signed",
            "Task_a1_sign",
            "Task_a1_condition2",
            ("Запрос с ЭЦП", "ЭЦҚ қойылған сұраныс", "Signed request"),
            "R9.5",
            "R9.6",
        ),
        _m(
            "Message_a1_revocation",
            "Task_a1_condition2",
            _CA,
            (
                "Статус сертификата (OCSP, CRL)",
                "Сертификат мәртебесі (OCSP, CRL)",
                "Certificate status (OCSP, CRL)",
            ),
            "R9.6",
        ),
        _m(
            "Message_a1_eds_refusal",
            "Task_a1_eds_refusal",
            _REC,
            (
                "Отказ: ЭЦП не подтверждена",
                "Бас тарту: ЭЦҚ расталмады",
                "Refusal: EDS not confirmed",
            ),
            "R9.7",
        ),
        _m(
            "Message_a1_send",
            "Task_a1_send",
            "StartMsg_a1_gateway",
            (
                "Электронный документ (запрос)",
                "Электрондық құжат (сұраныс)",
                "E-document (request)",
            ),
            "R9.8",
        ),
        _m(
            "Message_a1_deliver",
            "Task_a1_deliver",
            "StartMsg_a1_workstation",
            ("Запрос для регистрации", "Тіркеуге сұраныс", "Request to register"),
            "R9.8",
            "R9.9",
        ),
        _m(
            "Message_a1_registered",
            "Task_a1_register_request",
            _GW,
            ("Статус: зарегистрирован", "Мәртебе: тіркелді", "Status: registered"),
            "R9.9",
        ),
        _m(
            "Message_a1_person",
            "Task_a1_condition3",
            _GBD,
            ("Сведения о лице", "Тұлға туралы мәліметтер", "Person's data"),
            "R9.10",
            dx=-30,
        ),
        _m(
            "Message_a1_attachment",
            "Task_a1_condition3",
            _RPN,
            ("Текущее прикрепление", "Ағымдағы бекіту", "Current attachment"),
            "R9.10",
            dx=30,
        ),
        _m(
            "Message_a1_attach",
            "Task_a1_talon",
            _RPN,
            ("Запись о прикреплении", "Бекіту туралы жазба", "Attachment recorded"),
            "R9.12",
        ),
        _m(
            "Message_a1_answer",
            "Task_a1_answer",
            "Task_a1_return",
            ("Талон или отказ", "Талон немесе бас тарту", "Talon or refusal"),
            "R9.11",
            "R9.12",
        ),
        _m(
            "Message_a1_return",
            "Task_a1_return",
            "Task_a1_portal_result",
            ("Талон или отказ", "Талон немесе бас тарту", "Talon or refusal"),
            "R9.11",
            "R9.12",
        ),
        _m(
            "Message_a1_result",
            "Task_a1_portal_result",
            "Task_a1_result",
            ("Результат услуги", "Қызмет нәтижесі", "Result of the service"),
            "R9.11",
            "R9.12",
        ),
    ),
)
