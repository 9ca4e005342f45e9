"""The two seeds, cut into the passages a reader would cite: the article's
sections and infobox, the interview's speakers, metadata and page breaks."""

from __future__ import annotations

import pytest

from tests.conftest import ARTICLE, INTERVIEW


@pytest.fixture(scope="module")
def article(seeds):
    return seeds[ARTICLE]


@pytest.fixture(scope="module")
def interview(seeds):
    return seeds[INTERVIEW]


def lines_of(passage):
    return passage.citation.line_start, passage.citation.line_end


class TestTheArticle:
    def test_is_read_as_wiki_text_with_its_title(self, article):
        document, _ = article
        assert (document.title, document.format) == ("Worker-communist Party of Iran", "wiki")

    def test_sections_in_order(self, article):
        _, passages = article
        sections = list(dict.fromkeys(p.section for p in passages if p.section))
        assert sections == [
            "Status",
            "History › Foundation",
            "History › Debate on leadership",
            "History › Major split in August 2004",
            "Publications and papers",
            "Participation in allied groups and campaigns",
            "Sister parties",
        ]

    def test_infobox_facts(self, article):
        document, passages = article
        assert document.facts["Founder"] == "Mansoor Hekmat"
        assert document.facts["Chairperson"] == "Hamid Taqvaee"
        assert document.facts["Ideology"] == "Communism, Workerism, Marxism"
        assert len(document.facts) == 9
        (infobox,) = [p for p in passages if p.kind == "infobox"]
        assert lines_of(infobox) == (4, 12)
        assert "Founder: Mansoor Hekmat; Chairperson: Hamid Taqvaee" in infobox.text

    def test_scripts_are_latin_and_arabic(self, article):
        document, _ = article
        assert document.scripts == ("Arabic", "Latin")

    def test_a_glued_url_is_split_from_its_word(self, article):
        _, passages = article
        (iskraa,) = [p for p in passages if p.text.startswith("Iskraa")]
        assert iskraa.text.endswith("Kurdistan Committee. http://iskraa.net")
        assert iskraa.kind == "list_item"


class TestTheInterview:
    def test_metadata_from_the_front_matter(self, interview):
        document, _ = interview
        assert document.title == (
            "Interview with Milad Resaeimanesh from Worker-communist Party of Iran"
        )
        assert (document.author, document.date, document.publisher) == (
            "Hein Htet Kyaw",
            "19 January 2026",
            "The Anarchist Library / libcom.org",
        )
        assert (document.format, document.scripts) == ("markdown", ("Latin",))

    def test_questions_are_the_interviewers_and_answers_the_guests(self, interview):
        _, passages = interview
        questions = [p for p in passages if p.text.rstrip().endswith("?")]
        assert len(questions) == 5
        assert {p.speaker for p in questions} == {"Hein Htet Kyaw"}
        answers = [p for p in passages if p.speaker and p not in questions]
        assert len(answers) == 13
        assert {p.speaker for p in answers} == {"Milad Resaeimanesh"}

    def test_speaker_labels_are_not_part_of_the_text(self, interview):
        _, passages = interview
        assert not any("Hein Htet Kyaw:" in p.text or "Resaeimanesh:" in p.text for p in passages)
        first_question = next(p for p in passages if p.speaker == "Hein Htet Kyaw")
        assert first_question.text == (
            "Can you introduce the audience to your politics"
            " and the Worker-communist Party of Iran?"
        )

    @pytest.mark.parametrize(
        ("first_line", "last_line", "start", "end"),
        [
            (32, 34, "I am a lifelong communist", "or authoritarian nationalist projects."),
            (46, 48, "The regime has responded", "central tools of the regime's survival."),
            (62, 64, "My advice is simple", "women, minorities, and socialists."),
        ],
    )
    def test_paragraphs_split_by_a_page_break_are_one_passage(
        self, interview, first_line, last_line, start, end
    ):
        _, passages = interview
        (joined,) = [p for p in passages if p.text.startswith(start)]
        assert lines_of(joined) == (first_line, last_line)
        assert joined.text.endswith(end)
        assert joined.speaker == "Milad Resaeimanesh"
        assert not any(lines_of(p)[0] == last_line for p in passages)

    def test_the_closing_note_belongs_to_no_speaker(self, interview):
        _, passages = interview
        note = passages[-1]
        assert note.text.startswith("A recorded video interview exists")
        assert (note.speaker, lines_of(note)) == (None, (82, 82))


class TestTheSeedsIndex:
    def test_build_summary_counts(self, seeds_index, seeds):
        _, report = seeds_index
        assert (report.documents, report.skipped, report.warnings) == (2, [], [])
        assert report.passages == sum(len(passages) for _, passages in seeds.values()) == 46

    def test_no_passage_crosses_a_section_or_exceeds_the_limit(self, seeds):
        for _, passages in seeds.values():
            for passage in passages:
                assert passage.word_count <= 120
                assert passage.text == passage.text.strip() and passage.text
