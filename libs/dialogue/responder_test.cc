#include "libs/dialogue/responder.h"

#include <gtest/gtest.h>

namespace chatrec::dialogue {
namespace {

std::unique_ptr<catalog::Catalog> Films() {
  std::vector<catalog::ItemRecord> items(3);
  items[0].set_id(158);
  items[0].set_name("Weekend at Bernie's");
  items[0].set_title("Weekend at Bernie's (1989)");
  items[0].set_abstract(
      "(This article is about the 1989 comedy film. For its 1993 sequel, see Weekend at Bernie's II. For the "
      "episode of How I Met Your Mother, see Weekend at Barney's.) Weekend at Bernie's is a 1989 American black "
      "comedy film. Two young employees find their boss dead. They pretend he is alive.");
  auto* g = items[0].add_facts();
  g->set_relation("genre");
  g->set_entity_id("genre:comedy");
  items[1].set_id(1612);
  items[1].set_name("The Leading Man");
  items[1].set_abstract(
      "For the Oni Press comic book, see The Leading Man (comics) The Leading Man is a 1996 British romantic drama "
      "film directed by John Duigan. It premiered in Toronto.");
  items[2].set_id(7);
  items[2].set_name("Nameless");
  std::vector<catalog::EntityRecord> entities(2);
  entities[0].set_id("genre:comedy");
  entities[0].set_name("Comedy");
  entities[1].set_id("genre:horror");
  entities[1].set_name("Horror");
  return *catalog::Catalog::Create(items, entities);
}

TEST(ResponderTest, PlotLeavesOutWikipediaHatnotes) {
  auto c = Films();
  EXPECT_EQ(AnswerAbout(*c, c->RowOf(158), "plot"),
            "Weekend at Bernie's is a 1989 American black comedy film. Two young employees find their boss dead.");
  EXPECT_EQ(AnswerAbout(*c, c->RowOf(1612), "plot"),
            "The Leading Man is a 1996 British romantic drama film directed by John Duigan. It premiered in Toronto.");
  EXPECT_EQ(StripHatnote("(1995 film) Heat is a film.", "Heat"), "(1995 film) Heat is a film.");  // not a hatnote
}

TEST(ResponderTest, UnknownFactsAreSaidToBeUnknown) {
  auto c = Films();
  const int32_t row = c->RowOf(7);
  EXPECT_EQ(AnswerAbout(*c, row, "director"), "I don't know who directed Nameless.");
  EXPECT_EQ(AnswerAbout(*c, row, "cast"), "I don't have the cast of Nameless.");
  EXPECT_EQ(AnswerAbout(*c, row, "year"), "I don't know when Nameless came out.");
  EXPECT_EQ(AnswerAbout(*c, row, "genre"), "I don't know what kind of film Nameless is.");
  EXPECT_EQ(AnswerAbout(*c, row, "plot"), "I don't have a summary of Nameless.");
  EXPECT_EQ(AnswerIsGenre(*c, row, "genre:horror"),
            "I don't know whether Nameless is a horror film: I have no genre for it.");
}

TEST(ResponderTest, IsItScaryIsYesOrNoFromTheGenres) {
  auto c = Films();
  EXPECT_EQ(AnswerIsGenre(*c, c->RowOf(158), "genre:horror"),
            "No, Weekend at Bernie's is not a horror film; it is a comedy.");
  EXPECT_EQ(AnswerIsGenre(*c, c->RowOf(158), "genre:comedy"), "Yes, Weekend at Bernie's is a comedy film.");
}

TEST(ResponderTest, WhyTextReadsAsOneSentence) {
  auto c = Films();
  v1::Reason history;
  history.set_kind(v1::REASON_KIND_USER_HISTORY);
  history.set_text("it fits the films you have rated highly");
  EXPECT_EQ(WhyText(*c, c->RowOf(158), {history}, true),
            "I suggested Weekend at Bernie's because it fits the films you have rated highly.");
  v1::Reason request;
  request.set_kind(v1::REASON_KIND_MATCHES_REQUEST);
  request.set_text("a 1989 comedy");
  EXPECT_EQ(WhyText(*c, c->RowOf(158), {request}, false), "Weekend at Bernie's would fit because it is a 1989 comedy.");
  EXPECT_EQ(WhyText(*c, c->RowOf(158), {}, true), "I suggested Weekend at Bernie's because it fits what you asked for.");
}

}  // namespace
}  // namespace chatrec::dialogue
