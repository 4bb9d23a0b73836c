"""What each role may do and see, written by hand from NASSO (sections 3 and 5) and its
paragraphs 67-78 on information sharing, for the access tests to hold the code to.

This is deliberately not :data:`geo_era.security.access.MATRIX`: a test that reads the
table the code enforces passes whatever the table says. Here each line is a reading of
the strategy, with the paragraph it comes from; the tests fail when the code's table
gives anyone more (or less) than this.

Cells: ``yes`` the whole answer; ``own council`` the whole answer, confined to the
records of the caller's own council; ``own voids, flags only`` a landlord's Link Officer,
for their own organisation's voids, the yes/no flag and nothing of who or why;
``published only`` the report as published, small counts suppressed; ``own
organisation, no subject`` a landlord's staff, the records of their own organisation
without the subject they concern or the Responsible Authorities' notes; ``own
tenancies, no subject`` a landlord's staff, about their own organisation's tenancies,
with nothing of the subject or what the Responsible Authorities did; ``own stock or
firm, instructions only`` a staff-safety marker's instructions, for housing staff on
their landlord's homes and for a contractor firm it is shared with, never the subject,
offence or reason (69-71); ``own records, no subject`` a landlord's Link Officer, what
their organisation recorded, never the subject it concerns or the reasons; ``-`` refused.
A partner agency of NASSO 3.6 acts on the cases its agency takes part in only:
``own cases, subject only`` (nothing of the neighbours), ``own council, own cases`` (the
case whole, for its council), ``own properties, property only`` (a Link Officer: cases
with a candidate of their landlord's, nothing of the neighbours or the subject's record);
:data:`PARTNERS` says what each sees.
``audited``: every call and every refusal leaves an audit entry (DPA 2018 s62, 77).
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("omu_analyst", "cjsw", "solo", "rsl_link_officer", "mappa_coordinator", "auditor",
         "admin", "nhs_liaison", "sps_icm_coordinator", "education_officer",
         "childrens_social_work", "adult_protection_officer", "support_worker",
         "rsl_case_officer", "contractor")

# The partner agencies of NASSO 3.6 (columns nhs..rslc): NHS liaison officer, SPS ICM
# coordinator, the council's Education, Children & Families and Adult Protection officers,
# a support organisation's support worker, and a housing association's Link Officer taking
# part in cases. Each reads and acts on only the cases its agency takes part in.
# Columns: omu_analyst, cjsw, solo, rsl_link_officer (link), mappa_coordinator, auditor,
# admin, the partners in ROLES order, a landlord's repairs contractor (ctr), and whether
# the endpoint is audited (aud).
# endpoint         |omu |cjsw|solo|link|mapa|audr|admn|nhs |sps |edu |cf  |ap  |supp|rslc|ctr |aud
TABLE = """
me                 |yes |yes |yes |yes |yes |yes |yes |yes |yes |yes |yes |yes |yes |yes |yes |no
sites_near         |yes |yes |yes |yes |yes |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |yes
parameters         |yes |yes |yes |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
check              |yes |yes |yes |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
case_open          |yes |own |own |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
case_list          |yes |own |own |-   |yes |-   |-   |sub |sub |cc  |cc  |cc  |sub |prop|-   |yes
case_show          |yes |own |own |-   |yes |-   |-   |sub |sub |cc  |cc  |cc  |sub |prop|-   |yes
case_assess        |yes |own |own |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
case_check         |yes |own |own |-   |-   |-   |-   |sub |sub |cc  |cc  |cc  |sub |prop|-   |yes
case_agree         |yes |own |own |-   |-   |-   |-   |sub |sub |cc  |cc  |cc  |sub |prop|-   |yes
case_respond       |yes |own |own |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
case_approve       |yes |own |own |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
case_decide        |yes |own |own |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
case_consent       |-   |own |own |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
case_restrict      |yes |own |own |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
case_extend        |yes |own |own |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
case_out_of_area   |-   |own |own |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
case_plan          |-   |own |own |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
case_discussion    |-   |own |own |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
case_held          |yes |own |own |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
case_visor_extract |yes |own |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
zone_add           |yes |-   |-   |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
zone_show          |yes |yes |yes |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
reviews_due        |yes |-   |-   |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
reviews_waive      |-   |-   |-   |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
audit_export       |-   |-   |-   |-   |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
import             |-   |-   |-   |-   |-   |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |yes
screen             |yes |own |own |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
overconcentration  |yes |own |own |pub |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
report_geopackage  |yes |own |own |pub |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
report_placements  |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
allocation_check   |yes |own |own |flag|yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
case_move_in       |yes |own |own |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
review_triggers    |yes |-   |-   |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
case_dwelling      |yes |own |own |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
case_extend_set    |yes |own |own |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
case_member        |yes |own |own |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
enquiry_record     |-   |-   |own |org |-   |-   |-   |-   |-   |-   |-   |-   |-   |org |-   |yes
enquiry_list       |yes |own |own |org |yes |-   |-   |-   |-   |-   |-   |-   |-   |org |-   |yes
enquiry_show       |yes |own |own |org |yes |-   |-   |-   |-   |-   |-   |-   |-   |org |-   |yes
enquiry_confirm    |-   |-   |own |org |-   |-   |-   |-   |-   |-   |-   |-   |-   |org |-   |yes
enquiry_link       |yes |own |own |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
enquiry_outcome    |yes |own |own |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
cp_referral_add    |yes |own |own |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
cp_referral_outcome|yes |own |own |-   |yes |-   |-   |-   |-   |-   |own |-   |-   |-   |-   |yes
cp_referral_list   |yes |own |own |-   |yes |-   |-   |-   |-   |-   |own |-   |-   |-   |-   |yes
cp_checks_add      |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |own |-   |-   |-   |-   |yes
cp_notice_add      |yes |own |own |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
cp_notice_list     |yes |own |own |-   |yes |-   |-   |-   |-   |own |-   |-   |-   |-   |-   |yes
disclosure_decide  |yes |own |-   |-   |yes |-   |-   |-   |-   |-   |cc  |-   |-   |-   |-   |yes
disclosure_made    |yes |own |-   |-   |yes |-   |-   |-   |-   |-   |cc  |-   |-   |-   |-   |yes
disclosure_list    |yes |own |own |-   |yes |-   |-   |-   |-   |-   |cc  |-   |-   |-   |-   |yes
disclosure_kcs     |yes |-   |-   |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
disclosure_kcs_outcome|yes|-  |-   |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
notice_record      |-   |-   |-   |ten |-   |-   |-   |-   |-   |-   |-   |-   |-   |ten |-   |yes
notice_sent        |-   |-   |-   |ten |-   |-   |-   |-   |-   |-   |-   |-   |-   |ten |-   |yes
notice_list        |yes |own |own |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
notice_show        |yes |own |own |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
notice_link        |yes |-   |own |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
notice_review      |yes |-   |own |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
marker_add         |yes |own |own |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
marker_review      |yes |own |own |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
marker_list        |yes |own |own |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
marker_shared      |-   |-   |-   |inst|-   |-   |-   |-   |-   |-   |-   |-   |-   |inst|inst|yes
homeless_present   |-   |own |own |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
homeless_place     |-   |own |own |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
homeless_advise    |-   |own |own |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
homeless_show      |yes |own |own |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
transfer_request   |yes |own |own |rec |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
transfer_decide    |-   |own |own |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
transfer_list      |yes |own |own |rec |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
void_publish       |-   |-   |-   |flag|-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
void_let           |-   |-   |-   |flag|-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
void_live          |yes |own |own |flag|yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
report_mappa       |yes |own |own |pub |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
report_performance |yes |own |own |-   |yes |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |yes
ogc_features       |yes |yes |yes |yes |yes |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |no
ogc_results        |yes |yes |yes |-   |yes |-   |-   |-   |-   |-   |-   |-   |-   |-   |-   |no
"""

#: Why each line reads as it does (the paragraphs of NASSO, or the Data Protection Act).
WHY = {
    "me": "anyone signed in may learn their own role and organisation",
    "sites_near": "schools, parks and shops near a property are public facts; a landlord "
                  "uses them when letting (5.3); an auditor has no need of them, nor a "
                  "partner agency, which sees its cases' candidates' surroundings in the "
                  "case. Which properties are looked at says where someone may be housed: "
                  "audited",
    "parameters": "the minimum set (3.9) is the Responsible Authorities' check; with a "
                  "sensitive-allocation flag it would narrow a housed subject's home to a "
                  "close, so a landlord never gets it (5.4: where they are housed is not "
                  "divulged at any time)",
    "check": "a subject against a property is the ERA itself (3.7-3.10), the "
             "Responsible Authorities' work and the MAPPA coordinator's oversight",
    "case_open": "an ERA is opened by the Responsible Authorities (3.2-3.6); council "
                 "staff for their own council; the coordinator convenes MAPPA",
    "case_list": "the cases are the Responsible Authorities' and the coordinator's "
                 "(3.5); council staff see their own council's; each partner agency of "
                 "3.6 the cases it takes part in, and of them what its own checks need "
                 "(3.7: health information only in relation to the offender; a Link "
                 "Officer the property only, 5.4, 68-71)",
    "case_show": "as case_list",
    "case_assess": "the agencies taking part assess (3.7-3.10)",
    "case_check": "each agency records its own database and physical checks (3.7, 3.8), "
                  "partner agencies on the cases they take part in",
    "case_agree": "each agency agrees or disagrees for itself (3.11), partner agencies "
                  "included (3.2: 'undertaken collaboratively between individual "
                  "agencies')",
    "case_respond": "the lead agency answers in writing every concern and conflict before "
                    "Part C (3.11); the core refuses any other agency",
    "case_approve": "Part C is the lead agency's (3.11): police or CJSW",
    "case_decide": "Part D records a case conference's decision, by the lead agency (3.11)",
    "case_consent": "only the receiving council consents to an out-of-area placement "
                    "(3.13): its own staff",
    "case_restrict": "the Responsible Authorities identify implications for future "
                     "allocations (3.12)",
    "case_extend": "3.5 allows complex cases more time; the lead agency (police or CJSW, "
                   "3.2) sets the pace of its ERA and the MAPPA coordinator runs the "
                   "arrangements it serves; the core refuses any other agency",
    "case_out_of_area": "the arrangements for an out-of-area placement lie with the "
                        "placing local authority (3.13): its own staff record why",
    "case_plan": "no placement without a plan to manage the risk (3.13); the placing "
                 "council makes the arrangements: its own staff",
    "case_discussion": "the councils' records show that proper discussion between them "
                       "took place and agreement was reached (3.13): either council's staff",
    "case_visor_extract": "3.3: the police OMUs record Parts C and D of a decided ERA on "
                          "ViSOR's activity log, with where the full ERA is held; ViSOR "
                          "is the Responsible Authorities' agreed system (MAPPA annual "
                          "report 5.0), and criminal justice social work, lead agency "
                          "for a subject on a licence or order (3.2), records on it for "
                          "its own council. Housing agency data is kept off ViSOR "
                          "(3.11), so not the SOLO; the coordinator, auditors, "
                          "landlords and partner agencies keep no activity log. A "
                          "disclosure: audited",
    "case_held": "the Responsible Authorities agree locally who retains the completed ERA "
                 "(3.11) and ViSOR notes where it is held (3.3): the agencies of the case",
    "case_dwelling": "the physical checks of the minimum set's households are the "
                     "agencies' (3.8, 3.9), by the best placed agency; a household's "
                     "profile is never a landlord's to see (5.4, 71)",
    "case_extend_set": "the Responsible Authorities extend the parameters case by case "
                       "depending on the risk (3.9)",
    "case_member": "the set of cottage flats and houses is determined case by case by the "
                   "Responsible Authorities (3.9)",
    "zone_add": "victim-exclusion zones come from police and the MAPPA coordinator (the "
                "licence or order conditions)",
    "zone_show": "zones are victims' information: the Responsible Authorities and the "
                 "coordinator only; never a landlord (5.4, 71)",
    "reviews_due": "annual reviews (3.3) are scheduled by police and the coordinator",
    "reviews_waive": "deciding that no review is needed is the MAPPA coordinator's",
    "audit_export": "the audit trail is read by auditors (DPA 2018 s62)",
    "import": "reference and restricted layers are loaded by the council's administrator",
    "screen": "screening voids for a subject (5.2, 5.3) is the Responsible Authorities' "
              "work; council staff screen their own council's stock",
    "overconcentration": "the annual report (5.2) is the councils' and Responsible "
                         "Authorities'; a landlord reads it as published",
    "report_geopackage": "the same report (5.2) for a GIS: whoever may read "
                                    "the report may have its tables; a landlord the "
                                    "published ones",
    "report_placements": "where each person is housed, as a point, is the "
                                    "OMU's working material for mapping risk (3.2, "
                                    "5.2); no other agency needs the points to do its "
                                    "part, and none is ever published",
    "allocation_check": "a landlord learns only that a void needs a sensitive allocation "
                        "and to contact the SOLO (3.12, 5.4, 68), for their own stock",
    "void_publish": "5.3: the Link Officer provides information on housing stock and "
                    "voids; a landlord publishes its own stock only, and of a void that "
                    "needs care learns only to contact the SOLO (3.12, 5.4)",
    "void_let": "5.3: the landlord's own lettings are its Link Officer's to record; "
                "nobody else lets a landlord's property",
    "void_live": "5.3: the SOLO asks the Link Officer about available housing and sees "
                 "the voids to screen them (3.12: the Responsible Authorities weigh the "
                 "implications for allocations), council staff for their own council; a "
                 "landlord sees its own voids, flags only (5.4, 68)",
    "report_mappa": "1.0: the Responsible Authorities jointly prepare and publish the "
                    "annual MAPPA report, an aggregate of the MAPPA areas' figures: police, "
                    "social work, the SOLO and the MAPPA coordinator who collates them "
                    "have the exact figures, council staff their own council's; a landlord "
                    "needs no more than what is published. Auditors check who built which "
                    "report in the audit trail (DPA 2018 s62), which does not need the "
                    "figures; exact small counts of the people managed in a council are "
                    "theirs to see no more than a landlord's",
    "case_move_in": "the agencies managing the subject record the move that follows "
                    "their decision (3.11); council staff for their own council's cases, "
                    "the placing or receiving council of an out-of-area one (3.13)",
    "marker_add": "the Responsible Authorities pass on what staff need to know and "
                  "advise the Link Officer how meetings and repairs are to be arranged "
                  "(68, 70); the MAPPA coordinator acts for them; council staff for "
                  "the council the home lies in",
    "marker_review": "the advice is the Responsible Authorities' to keep right and "
                     "withdraw when the risk has gone (68, 70); their words reach a "
                     "landlord only once they have checked them (5.3: secure "
                     "management of information; 71: no telling of offences)",
    "marker_list": "which subject a marker concerns, and why, is the Responsible "
                   "Authorities' information (68, 71): theirs alone",
    "marker_shared": "housing officers, maintenance officers and contractors at risk "
                     "are told how to visit (in pairs, in the office, through the SOLO "
                     "and Link Officer) and never why (69-71): the landlord's staff for "
                     "its own homes, a firm for the markers shared with it; nobody else "
                     "needs them",
    "homeless_present": "a homeless application is assessed by the housing authority "
                        "(Dorset s19); the SOLO is the council's first point of contact "
                        "for housing a sex offender (5.2), CJSW its partner, each for "
                        "their own council",
    "homeless_place": "the council owing the duty places in temporary accommodation "
                      "(Dorset s19), weighing the victims' location and police advice "
                      "as for any allocation (5.2): its own staff, in its own area",
    "homeless_advise": "the SOLO gives housing-options advice and liaises with the "
                       "services for other support needs (5.2)",
    "homeless_show": "where a subject is housed, temporarily or not, is the Responsible "
                     "Authorities' to monitor (5.2, 3.11); council staff for their own "
                     "council, and the transfers into it (5.2: the transfer operates "
                     "smoothly); no landlord or partner learns who is homeless",
    "transfer_request": "the police may ask for a tenant's transfer after a risk "
                        "assessment (Dorset s19); the council records the tenant's own, "
                        "a family's and a neighbour's; a landlord records a neighbouring "
                        "tenant's application about its own tenancy and, never told who "
                        "the offender is (5.4, 68), sees only its own records",
    "transfer_decide": "the housing authority decides a transfer (Dorset s19): council "
                       "staff for their own council",
    "transfer_list": "the Responsible Authorities follow the transfers; the receiving "
                     "council sees a move into its area (5.2, 3.13); a landlord only "
                     "what it recorded, no subject (5.4, 68)",
    "review_triggers": "keeping ERAs under review is the Responsible Authorities' at "
                       "MAPPA review meetings (3.4): police and the coordinator, as for "
                       "the annual reviews",
    "enquiry_record": "enquiries and concerns reach the council's SOLO, the initial point of "
                      "contact for housing enquiries (5.2), and the landlord's Link Officer "
                      "or staff at the local housing office (5.4), who pass them on: each "
                      "for their own council or organisation",
    "enquiry_list": "the Responsible Authorities investigate what is passed to them (5.4), "
                    "council staff for their council; a landlord sees its own log but "
                    "never learns who an enquiry concerns (5.4: not divulged at any time)",
    "enquiry_show": "as enquiry_list",
    "enquiry_confirm": "the SOLO or Link Officer who received it 'should only confirm that "
                       "they have passed on the concerns or enquiry' (5.4)",
    "enquiry_link": "who an enquiry turns out to concern is the Responsible Authorities' "
                    "knowledge alone (5.4, 68-71); council staff for their council",
    "enquiry_outcome": "the police and social work investigate and act on a concern (5.4): "
                       "the outcome is theirs to record",
    "cp_referral_add": "71 and Dorset §4: the police or social work decide to refer a "
                       "risk to an identified child to the council's Children & Families "
                       "team; the Responsible Authorities, council staff for their own "
                       "council; no landlord, contractor or other agency makes it",
    "cp_referral_outcome": "Dorset §4, §13: the strategy discussion (an IRD in Scotland) "
                           "and what follows are Children & Families' to run with the "
                           "police; either records what came of it, for their council",
    "cp_referral_list": "71: who was referred and why is known to the Responsible "
                        "Authorities and to the Children & Families team referred to, "
                        "for its own council; Education and other partners are not told",
    "cp_checks_add": "Dorset §13: Children & Families, notified of a registered "
                     "subject, make initial checks of their own database and record them "
                     "(3.7's Children & Families checks), for their own council",
    "cp_notice_add": "Dorset §17: the lead agency tells the nominated Education "
                     "representative when a subject lives or loiters near a school; the "
                     "Responsible Authorities decide it (71), council staff for their own "
                     "council",
    "cp_notice_list": "Dorset §17: the nominated Education representative reads the "
                      "notices given to their council's Education service; referrals "
                      "and checks stay with Children & Families",
    "disclosure_decide": "71: the police have the principal discretion on disclosure "
                         "(OMU; the MAPPA coordinator records the Level 2/3 meeting's "
                         "decision, Dorset §18), and local authority social work may "
                         "disclose in cases of child protection: CJSW and Children & "
                         "Families for their own council. The SOLO passes concerns on "
                         "(5.4) but does not decide; landlords must not tell anyone (71)",
    "disclosure_made": "as disclosure_decide: who decides records that the disclosure "
                       "was made, and to whom (DPA 2018 s62)",
    "disclosure_list": "which subject a disclosure concerns is the Responsible "
                       "Authorities' (68, 71): police, CJSW, the SOLO (own council) and "
                       "the coordinator; Children & Families social work reads back the "
                       "child-protection decisions it recorded, for its council, without "
                       "the subject",
    "disclosure_kcs": "Keeping Children Safe is Police Scotland's scheme (MAPPA annual "
                      "report 9.0): police and the MAPPA coordinator record applications",
    "disclosure_kcs_outcome": "as disclosure_kcs: the police decide whether to disclose "
                              "to the parent, carer or guardian",
    "notice_record": "5.3: the RSL Link Officer (or staff undertaking the duties of one, "
                     "the Link Officer taking part in cases) keeps the SOLO advised of "
                     "proposed moves, direct applications, tenancy issues, disputes, "
                     "possession proceedings and complaints, about the tenancies their "
                     "landlord manages and no other; what they tell names no subject for "
                     "them to see back (5.4)",
    "notice_sent": "the landlord's staff know what they told the SOLO and whether it was "
                   "received and acted on (5.3: 'liaising with the Responsible "
                   "Authorities'), never which subject it was linked to or what the "
                   "Responsible Authorities made of it (5.4, 68-71)",
    "notice_list": "5.3: the SOLO is the one kept advised, for homes in their council; "
                   "the police and the MAPPA coordinator manage the risk (3.4) and see "
                   "them all; criminal justice social work, as a case's lead agency "
                   "(3.2), those about the subject of a case it leads, in its council",
    "notice_show": "as notice_list; its first reading by the SOLO, police or coordinator "
                   "is what the landlord is told as received",
    "notice_link": "which subject a notification concerns is known only to the "
                   "Responsible Authorities (5.4, 68): the SOLO it was sent to, the "
                   "police, the coordinator",
    "notice_review": "3.4: when the circumstances of an offender or the environment they "
                     "live in change, the Responsible Authorities consider a review: "
                     "those who may open a case and receive the notification",
    "report_performance": "3.1 gives the Responsible Authorities the operational "
                          "responsibility for assessing, managing and monitoring risk, "
                          "3.5 sets the ERA timescales they are held to, and wider issues "
                          "from panels go to the MAPPA co-ordinator and the Strategic "
                          "Management Board, with a quarterly audit programme (MAPPA "
                          "guidance §10-11): police (the lead agency in most initial "
                          "cases, 3.2), the coordinator and the auditors read every "
                          "council's; a council's SOLO and criminal justice social work, "
                          "Responsible Authority staff of their council, their own "
                          "council's; partner agencies take part in cases without "
                          "managing the arrangements, and a landlord learns nothing of "
                          "the Responsible Authorities' casework (5.4, 68)",
    "ogc_features": "the reference layers in a GIS are what sites_near answers one "
                    "property at a time: public facts (addresses, buildings, schools, "
                    "parks, streets, areas), for the same roles; never what is known of a "
                    "household (3.9: third parties' personal data), so not audited; an "
                    "auditor, a partner agency and a contractor have no need of them",
    "ogc_results": "an assessment of every property against the sites of 3.8 is the "
                   "Responsible Authorities' ERA work (3.2, 3.8), for them and the "
                   "coordinator; a landlord is given the published report only (5.2); "
                   "counts and distances to public sites, nothing of a subject or a "
                   "household, so not audited",
}

CELLS = {"yes": "yes", "own": "own council", "flag": "own voids, flags only",
         "pub": "published only", "-": "-", "rec": "own records, no subject",
         "sub": "own cases, subject only", "cc": "own council, own cases",
         "prop": "own properties, property only", "org": "own organisation, no subject",
         "ten": "own tenancies, no subject", "inst": "own stock or firm, instructions only"}
#: Cells of a partner agency, confined to the cases its agency takes part in.
TAKING_PART = ("own cases, subject only", "own council, own cases",
               "own properties, property only")


@dataclass(frozen=True)
class Partner:
    """What a partner agency's case worker sees of a case they take part in, read from
    NASSO 3.6-3.8 and paragraphs 67-78."""

    agency: str
    #: the minimum set's households and what else is known of the neighbours
    households: bool
    #: the subject's id and record (conditions, zones, victim profile, offences)
    subject_record: bool
    #: only cases with a candidate of the caller's organisation (its landlord)
    landlord_only: bool
    why: str


PARTNERS = {
    "nhs_liaison": Partner("nhs", False, True, False,
                           "3.7: health checks only in relation to the offender"),
    "sps_icm_coordinator": Partner("sps", False, True, False,
                                   "3.7: prisoner records and the prison social work "
                                   "file are the offender's"),
    "support_worker": Partner("support_organisation", False, True, False,
                              "3.6: the support worker of the offender's support package"),
    "education_officer": Partner("education", True, True, False,
                                 "3.7: SEEMIS is checked for the neighbours' children"),
    "childrens_social_work": Partner("childrens_services", True, True, False,
                                     "3.7 (CJSW): Children & Families checks are of the "
                                     "children around the property"),
    "adult_protection_officer": Partner("adult_protection", True, True, False,
                                        "3.7 (CJSW): Adult Protection checks are of the "
                                        "adults at risk around the property"),
    "rsl_case_officer": Partner("rsl", False, False, True,
                                "3.6: the landlord's Link Officer checks its own "
                                "property; 5.4, 68-71: a landlord never learns offences, "
                                "victims or zones"),
}


@dataclass(frozen=True)
class Rule:
    """One endpoint of the reference: each role's cell, and whether it is audited."""

    cells: dict[str, str]
    audited: bool

    def allows(self, role: str) -> bool:
        return self.cells[role] != "-"

    def restricted(self, role: str) -> bool:
        """Whether ``role`` gets a restricted view (flags only, published only)."""
        return self.cells[role] in ("own voids, flags only", "published only",
                                    "own organisation, no subject",
                                    "own tenancies, no subject",
                                    "own stock or firm, instructions only",
                                    "own records, no subject")

    def confined(self, role: str) -> bool:
        """Whether ``role`` is confined to its own council's records."""
        return self.cells[role] in ("own council", "own council, own cases")

    def taking_part(self, role: str) -> bool:
        """Whether ``role`` is confined to the cases its agency takes part in."""
        return self.cells[role] in TAKING_PART


def _parse(table: str) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for line in table.strip().splitlines():
        name, *cells, audited = (c.strip() for c in line.split("|"))
        assert len(cells) == len(ROLES), line
        rules[name] = Rule({r: CELLS[c] for r, c in zip(ROLES, cells, strict=True)},
                           audited == "yes")
    return rules


REFERENCE: dict[str, Rule] = _parse(TABLE)
assert set(REFERENCE) == set(WHY)
