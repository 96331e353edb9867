#!/usr/bin/env python3
"""Regenerates english_words.cc: everyday English words, so that the understanding
never reads them as a film title or a surname on their own.

Two sources, merged:
  * the words ReDial seekers and recommenders write in lower case (at least 3 times,
    and at least twice as often in lower case as capitalised), from the two
    training-side validation splits in ../shared/data/redial (ReDial, Li et al. 2018,
    CC BY 4.0). The test split is not read, so it stays a fair evaluation set.
  * CURATED below: frequent English words that films use as titles.

Usage: make_english_words.py ../shared/data/redial > libs/nlu/english_words.cc
"""
import collections
import json
import re
import sys

CURATED = """
ability absence accident account ace acres act addiction affair afternoon age agent air alarm alibi alive
angel angels anger animal answer apartment apple april arrival arrow art ashes assassin attic august autumn
avenue awakening baby bachelor backdraft bad balance ball balloon band bank bar bargain barn basket bat bath
battle beach bear beast beat beauty bed bee beginning bell belly beloved best betrayal big bird birds birthday
bite bites black blade blank blind blood bloody blow blown blue boat body bomb bond bone bones book border born
boss bottle bound box boy boys brain brave bread break breakdown breakfast breath bride bridge bright broken
brother brothers buddy bug bugs bullet bullets burden burn bus business butterfly cabin cage cake call camp
candle candy cape captain car card care carnival case cash castle cat catch cause cave celebration cell
cemetery chain chair chamber champion chance change chaos charm chase cheap chicken chief child children
chips choice circle circus city class clean clear clock close cloud clown club code coffee cold collector
colors comfort company contact contract cook cookie cool cop corner country couple courage cousin cowboy
crash craft crazy creature crime crow crowd crown crucible cry crying cup curse cut dad damage damned dance
danger dark darkness daughter dawn day dead deadly deal dear death deceit deep defense delivery desert desire
destiny devil diamond diaries diary dinner dirty disclosure doctor dog doll dolls door double dragon dream
dreams dress drive driver drop drum dust duty eagle earth east echo eclipse edge eight emperor empire end
endless enemy escape evening evidence evil exit extra eye eyes face faith fall fallen family fan farewell
farm fast fat fate father fear feast fever field fight fighter fire first fish fishes flag flame flesh flight
flower flowers fly fog folks food fool forever forget forgotten fortune four fox freak free freedom friday
friend friends frozen fugitive full fun funeral future game gang garden gate general ghost giant gift girl
girls glass glory gold golden good grace grass grave great green ground guard guest gun guns hair half hall
hand hands happen happiness happy hard hat haunted head heart hearts heat heaven heavens heavy hell hero
heroes hidden high higher highway hill history hit hole holiday holidays hollow home honey honor hope horse
hot hotel hour house hunt hunted hunter hunting ice idea illusions impossible innocent innocents inside
invasion invitation iron island jacket jail jewel job journal journey joy judge jungle junior jury justice
key kick kicking kill killer killers killing kind king kings kiss kitchen knight lady lake land last late
law lawn leader legend legends lesson letter liar lie life light lightning line lion lions little live lives
long lord lost love lover lovers luck lucky machine mad magic magnificent maid maiden man map mark marriage
mask master match memory men mercury mercy message midnight mile million mind minister miracle mirror miss
mission money monkey monkeys monster moon morning mother mountain mountains mouse murder music mystery naked
name nation needle neighbor never night nightmare nine nobody noise normal north nothing number ocean odd
office old one only open operation orange order outside paper paradise paris party passage passion past
path peace people perfect pet phantom phone picture piece pillow pilot pirate place plan planet play player
pleasure pocket point poison police pool poor power prey price pride priest primal prince princess prison
private prize promise proof prophecy psycho public pulp punch puppet purple pushing queen question quick
rage raging rain rainbow raising ransom rat raven ready real rebel red relative relic rescue rest return
revenge rich richer ride right ring rise risk river road robot rock room rose round royal rules run runner
running rush sacred safe saint salt sand savage scarlet scene school scout scream sea search season secret
secrets september seven shadow shadows shallow shame shark sheep shining ship shoes shooter short shot shoulder
show sign silence silent silver singer sister sisters six sky sleep sleeping sleepless small smile smoke snake
snow soldier soldiers somebody someone somewhere son song soul sound south space speed spell spice spider
spirit spring spy squad star stars station steel step stone storm story strange stranger street strictly
strike striking stuff substitute sugar suicide summer sun sunday sunrise sunset super supper surprise survivor
swamp sweet swimming sword system table tale tales taste teacher tears ten terminal terror test thief thieves
thing thunder ticket tiger time tin today together tomorrow tonight town toy toys track train trap treasure
tree trial tribe trigger trip trouble trousers truck true trust truth tuesday turbo twelve twin twins two
uncle under underneath universe valley vampire vengeance victory village virtue visitors voice volcano wagon
waiting wall war warrior warriors watch water wave waves way wedding weddings weekend west whisper white whole
wild wind window winds wings winter witch wizard wolf wolves woman women wonder wood wooden word work world
yellow young youth zero
"""


def chat_words(redial_dir):
    low, cap, seen = collections.Counter(), collections.Counter(), set()
    for name in ("valid_data_kgsf.jsonl", "valid_data_cfcrs.jsonl"):
        with open(f"{redial_dir}/{name}", encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                if d.get("conversationId") in seen:
                    continue
                seen.add(d.get("conversationId"))
                for m in d["messages"]:
                    text = re.sub(r"@\d+", " ", m["text"])
                    for sentence in re.split(r"[.!?]+", text):
                        words = re.findall(r"[A-Za-z][A-Za-z'\u2019]*", sentence)
                        for i, w in enumerate(words):
                            n = w.replace("'", "").replace("\u2019", "").lower()
                            if w[0].islower():
                                low[n] += 1
                            elif i > 0:
                                cap[n] += 1
    return {w for w, c in low.items() if c >= 3 and c >= 2 * cap[w] and len(w) > 1}


def main():
    words = sorted(chat_words(sys.argv[1]) | set(CURATED.split()))
    lines, line = [], ""
    for w in words:
        if len(line) + len(w) + 1 > 96:
            lines.append(line)
            line = ""
        line += w + " "
    lines.append(line)
    body = "\n".join(f'    "{l}"' for l in lines)
    print(f"""// Generated by make_english_words.py; do not edit by hand. {len(words)} everyday English words
// (normalised), from ReDial dialogues (Li et al. 2018, CC BY 4.0) and a curated list.
#include <string_view>

namespace chatrec::nlu {{

extern const std::string_view kEnglishWords =
{body};

}}  // namespace chatrec::nlu""")


if __name__ == "__main__":
    main()
