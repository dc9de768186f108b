// templates.ts — training phrasings and answers. The evaluation has phrasings of its own
// (model/evalset/generate.ts); build.ts checks that none of them occurs verbatim in the corpus.
import type { Country, Element, WordDef } from './sources.js';


export interface Fact<T> { train: string[]; answer: (x: T) => string; expect: (x: T) => string[] }

const the = (name: string) => (/^(United|Czech|Dominican|Central African|Marshall|Solomon|Philippines|Netherlands|Bahamas|Gambia|Maldives|Comoros|Seychelles|Cayman|Faroe|Falkland|Cook|British|Virgin|U\.S\.)/.test(name) && !name.startsWith('the ') ? `the ${name}` : name);
export const countryName = the;

const listAnd = (xs: string[]) => (xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);

export const CAPITAL: Fact<Country> = {
  train: [
    'What is the capital of {c}?', 'What is the capital city of {c}?', "What's the capital of {c}?", 'Capital of {c}?',
    'Which city is the capital of {c}?', 'Tell me the capital of {c}.', 'Do you know the capital of {c}?', 'Name the capital of {c}.',
    "{C}'s capital?", 'What city is the capital of {c}?', 'capital of {c}', 'Which city serves as the capital of {c}?',
    'I need the capital of {c}.', 'Can you tell me what the capital of {c} is?', "What is {c}'s capital city?",
    'What city is the seat of government of {c}?', 'Which city is the seat of government in {c}?', "Where is {c}'s government based?",
    'Where is the capital of {c}?', 'Which city is {c}\'s capital?', 'What is the name of the capital of {c}?', 'Could you name the capital city of {c}?',
    'Where is the seat of government of {c}?', '{C} - capital?', 'What is the capital of the country {c}?', "What's {c}'s capital?",
    'Can you tell me the capital city of {c}?', 'Please tell me the capital of {c}.', 'I want to know the capital of {c}.',
    'What is the main city and capital of {c}?', '{C}, what is the capital?', 'The capital of {c} is which city?', 'Which is the capital of {c}?',
    'What do you call the capital of {c}?', 'Do you know what the capital of {c} is?', 'What capital does {c} have?', 'capital city of {c}?',
    // subject first / topic first
    '{C}: which city is its capital?', '{C}: capital city?', '{C} — what is the capital city?', '{C} - which city is the capital?', '{C}? What is its capital city?',
    'About {c}: what city is its capital?', 'Talking about {c}, what is its capital?', "{C}: what's the capital city?", '{C}, which city is its capital?',
    'Regarding {c}, which city is the capital?', "{C}'s capital city is what?", '{C} has which city as its capital?', 'The capital city of {c} is what?',
    'In {c}, which city is the capital?', '{C}: name its capital.', 'Country: {c}. Capital?', "For {c}, what's the capital city?", '{C} — capital?',
    'And {c}? What is its capital?', '{C}: where is the capital?', 'The capital of {c}?', '{C}: which is the capital city?',
  ],
  answer: (x) => `The capital of ${the(x.name)} is ${x.capital}.`,
  expect: (x) => [x.capital],
};

export const CONTINENT: Fact<Country> = {
  train: [
    'Which continent is {c} in?', 'What continent is {c} on?', 'On which continent is {c}?', 'Where is {c}?', 'In which continent is {c} located?',
    'Tell me the continent of {c}.', 'continent of {c}', 'What continent does {c} belong to?', 'Which part of the world is {c} in?',
    'Where is {c} located?', 'Which continent does {c} lie on?', 'On what continent is {c}?', 'Which continent is {c} part of?',
    'On what continent can you find {c}?', 'Which continent is home to {c}?', 'What is the continent of {c}?', 'Is {c} in Europe, Asia, Africa or the Americas?',
    'In what continent is {c}?', 'Which continent is {c} on?', 'What continent is {c} in?', '{C} is in which continent?', 'Where in the world is {c}?',
    'Tell me which continent {c} is on.', 'Which continent can {c} be found on?', 'Do you know which continent {c} is in?', '{C}: which continent?',
    // subject first / topic first
    '{C}: on which continent is it?', '{C} — which continent is it in?', '{C} lies on which continent?', 'For {c}, which continent?', '{C}, which continent is it in?',
    'The country {c} is on what continent?', '{C}: what continent is it on?', 'About {c}: which continent?', '{C} belongs to which continent?', 'Continent of {c}?',
  ],
  answer: (x) => `${cap(the(x.name))} is in ${x.continent}.`,
  expect: (x) => [x.continent],
};

export const CURRENCY: Fact<Country> = {
  train: [
    'What currency does {c} use?', 'What is the currency of {c}?', "What's the currency in {c}?", 'Which currency is used in {c}?',
    'What money do they use in {c}?', 'currency of {c}', 'Tell me the currency of {c}.', 'What do people in {c} pay with?',
    'What is the official currency of {c}?', 'Which currency do I need in {c}?', 'What is the money of {c} called?', 'What money is used in {c}?',
    'Which money do they use in {c}?', 'What is the official money of {c}?', 'Which money is official in {c}?', 'What currency should I bring to {c}?',
    'What currency do they have in {c}?', 'Which currency does {c} have?', 'What is the currency in {c} called?', 'What currency do people use in {c}?',
    "What's {c}'s currency?", 'What kind of money is used in {c}?', 'Which currency will I need for a trip to {c}?', 'What do they pay with in {c}?',
    'Tell me what currency {c} uses.', "What is {c}'s money called?", 'What currency is accepted in {c}?',
    // subject first / topic first
    '{C}: which currency?', '{C}: what money do they use?', '{C} — currency?', '{C} uses which currency?', '{C} pays with what currency?',
    'For {c}, what is the currency?', 'In {c}, which currency is used?', '{C}, what is its currency?', 'The currency of {c} is what?',
    'Travelling to {c}: which currency do I need?', '{C}: what is the money called?', 'About {c}: which currency is official?', 'Currency in {c}?',
  ],
  answer: (x) => `The currency of ${the(x.name)} is the ${x.currency!.name} (${x.currency!.code}).`,
  expect: (x) => [x.currency!.name, x.currency!.code],
};

export const PHONE: Fact<Country> = {
  train: [
    'What is the calling code of {c}?', 'What is the country code for {c}?', "What's the phone code of {c}?", 'What is the international dialling code for {c}?',
    'Which phone prefix does {c} use?', 'calling code of {c}', 'What code do I dial to call {c}?', 'Tell me the telephone code of {c}.',
    'What is the dialing code of {c}?', 'Phone code for {c}?', 'What number do I dial to call {c}?', 'Which number do I dial before calling {c}?',
    'Which prefix do I dial for {c}?', 'What is the phone prefix of {c}?', 'Which number do I dial before a phone number in {c}?',
    'What is the international phone prefix of {c}?', 'What is the telephone country code of {c}?', 'What is the dialling code for {c}?',
    'What is the international calling code of {c}?', 'Which calling code does {c} use?', 'What prefix do I need to call someone in {c}?',
    'How do I call a number in {c}: what is the code?', "What's {c}'s country calling code?", 'What is the phone country code of {c}?',
    // subject first / topic first
    '{C}: calling code?', '{C} — what is the dialling code?', '{C} has which calling code?', 'For {c}, what is the phone code?', 'To call {c}, which code do I dial?',
    '{C}, what is its country code?', 'The calling code of {c} is what?', '{C}: which phone prefix?', 'About {c}: what is the dialing code?', 'Dialling code for {c}?',
  ],
  answer: (x) => `The international calling code of ${the(x.name)} is +${x.phone}.`,
  expect: (x) => [`+${x.phone}`],
};

export const LANGUAGE: Fact<Country> = {
  train: [
    'What language is spoken in {c}?', 'Which language do they speak in {c}?', 'What languages do people speak in {c}?', 'Which languages are spoken in {c}?',
    'What is the official language of {c}?', 'What are the official languages of {c}?', 'languages of {c}', 'language of {c}', 'What do people speak in {c}?',
    'Which language is used in {c}?', 'Tell me the languages of {c}.', 'What language do they speak in {c}?', 'What languages are used in {c}?',
    "What is {c}'s language?", "What are {c}'s languages?", 'In which language do people talk in {c}?', 'Which languages does {c} have?',
    'What is the main language of {c}?', 'What language should I learn to visit {c}?', 'Which languages are official in the country {c}?',
    'What language do the people of {c} speak?', 'Do you know what language is spoken in {c}?', 'Which tongue is spoken in {c}?', 'Spoken languages of {c}?',
    // subject first / topic first
    '{C}: which languages are spoken there?', '{C} — what language?', '{C}: what do people speak there?', 'In {c}, which languages are spoken?', '{C} speaks which language?',
    'For {c}, what is the official language?', '{C}, what languages do they speak?', 'People in {c} speak which language?', 'The official language of {c} is what?',
    'About {c}: which language do people use?', '{C}: official languages?', 'Languages spoken in {c}?',
  ],
  answer: (x) => (x.languages.length === 1 ? `The language of ${the(x.name)} is ${x.languages[0]}.` : `The languages of ${the(x.name)} are ${listAnd(x.languages)}.`),
  expect: (x) => x.languages,
};

/** Country by capital: the answer names every country whose capital it is (Kingston: Jamaica and Norfolk Island). */
export const BY_CAPITAL: Fact<{ capital: string; countries: Country[] }> = {
  train: [
    'Which country has the capital {k}?', 'What country is {k} the capital of?', 'Of what country is {k} the capital?',
    'Which country is {k} the capital of?', 'Where is {k}?', 'In which country is {k}?', 'What country is {k} in?', '{K} is in which country?',
    'Which country has {k} as capital?', 'What country has {k} as its capital city?', 'Tell me which country has the capital {k}.', 'Whose capital is {k}?',
    '{K} is the capital city of which country?', 'Which nation has its capital in {k}?', 'Which country is governed from {k}?', 'Country with the capital {k}?',
    'What is {k} the capital of?', 'In what country is the city of {k}?', 'Which country does {k} belong to?', 'Is {k} a capital? Of which country?',
    // subject first / topic first
    '{K} is the capital of which nation?', '{K}: capital of which country?', '{K} — which country?', '{K}: which country is it the capital of?',
    '{K} is the seat of government of which country?', 'The city of {k} is the capital of what nation?', "{K}? Which country's capital is that?",
    "{K} is which country's capital?", "Which country's capital is {k}?", 'The capital {k} belongs to which country?', '{K}, capital of what?',
    'Capital city {k}: which country?', '{K} serves as the capital of which country?', 'Name the country whose capital is {k}.', 'What nation has {k} as its capital?',
    '{K}: in which country?', 'The city {k} is in what country?', '{K} — capital of which nation?',
  ],
  answer: (x) => `${x.capital} is the capital of ${listAnd(x.countries.map((c) => the(c.name)))}.`,
  expect: (x) => x.countries.map((c) => c.name),
};

export const SYMBOL: Fact<Element> = {
  train: [
    'What is the chemical symbol for {e}?', 'What is the symbol of {e}?', "What's the chemical symbol of {e}?", 'Which symbol does {e} have?',
    'symbol of {e}', 'How is {e} written in chemistry?', 'Tell me the symbol for {e}.', 'What is the element symbol of {e}?', 'Chemical symbol of {e}?',
    'What letters stand for {e} in the periodic table?', 'How do you write {e} in chemistry?', 'How do chemists abbreviate {e}?',
    'What is the abbreviation of {e}?', 'Which letters represent {e}?', 'Which symbol represents {e} on the periodic table?',
    'What is the abbreviation for the element {e}?', 'How do chemists write {e}?', 'What is the symbol for {e}?', "What's {e}'s symbol?",
    'What is the chemical symbol of the element {e}?', 'Which chemical symbol is used for {e}?', 'What symbol is {e}?', 'Symbol for {e}?',
    // subject first / topic first
    '{E}: which chemical symbol?', '{E} — symbol?', '{E} has which symbol?', '{E} is written with which symbol?', 'For {e}, what is the chemical symbol?',
    'The symbol for {e} is what?', '{E}, what is its symbol?', 'In chemistry, what symbol stands for {e}?', '{E}: what is the symbol?', 'The element {e}: its symbol?',
  ],
  answer: (x) => `The chemical symbol for ${x.name.toLowerCase()} is ${x.symbol}.`,
  expect: (x) => [x.symbol],
};

export const ATOMIC: Fact<Element> = {
  train: [
    'What is the atomic number of {e}?', "What's {e}'s atomic number?", 'How many protons does {e} have?', 'atomic number of {e}',
    'Tell me the atomic number of {e}.', 'Which atomic number does {e} have?', 'What number is {e} in the periodic table?', 'Atomic number for {e}?',
    'What is the proton number of {e}?', 'Where does {e} sit in the periodic table?', 'How many protons are in an atom of {e}?',
    'What is the element number of {e}?', 'Where is {e} in the periodic table, by atomic number?', 'How many protons are in {e}?',
    "What is {e}'s atomic number?", 'What atomic number has {e}?', 'How many protons has an atom of {e} got?', 'Atomic number of the element {e}?',
    'Which number does {e} have in the periodic table?', 'What is the atomic number for the element {e}?',
    // subject first / topic first
    '{E}: atomic number?', '{E} has which atomic number?', '{E} — how many protons?', 'For {e}, what is the atomic number?', '{E} has how many protons?',
    'The atomic number of {e} is what?', '{E}, what is its atomic number?', 'An atom of {e} has how many protons?', 'The element {e}: which number?',
  ],
  answer: (x) => `The atomic number of ${x.name.toLowerCase()} is ${x.number}.`,
  expect: (x) => [String(x.number)],
};

export const BY_NUMBER: Fact<Element> = {
  train: [
    'What element has atomic number {n}?', 'Which element is number {n}?', 'What is element {n}?', 'Which element has the atomic number {n}?',
    'Element number {n}?', 'element {n}', 'What element has {n} protons?', 'Which element has {n} protons in its nucleus?', 'What is the element with atomic number {n}?',
    'Tell me the element with atomic number {n}.', 'Which element is number {n} in the periodic table?', 'Name the element with atomic number {n}.',
    'What is the name of element {n}?', 'Which element comes at number {n} in the periodic table?', 'Atomic number {n} is which element?',
    'Which chemical element has atomic number {n}?', 'What element is atomic number {n}?', 'What is the {n}th element?',
    // subject first / topic first
    '{n}: which element?', 'Atomic number {n}: what element?', 'Element {n} — what is it?', '{n} protons: which element?', 'The element with {n} protons is?',
    'Number {n} in the periodic table is which element?', 'Which element sits at number {n}?', 'An atom with {n} protons is which element?',
    'Which element has the proton number {n}?', 'Atomic number {n} belongs to which element?', 'The element numbered {n} is called what?',
  ],
  answer: (x) => `The element with atomic number ${x.number} is ${x.name.toLowerCase()} (${x.symbol}).`,
  expect: (x) => [x.name],
};

export const BY_SYMBOL: Fact<Element> = {
  train: [
    'Which element is {s}?', 'What element has the symbol {s}?', 'What does {s} stand for?', 'What does {s} stand for in chemistry?',
    'Which element has the chemical symbol {s}?', 'What is {s} in the periodic table?', 'Which element does the symbol {s} represent?', 'element {s}',
    'What element is the symbol {s}?', 'What is the element {s}?', '{s} is which element?', 'Which element is written {s}?', 'What element does {s} mean?',
    'Tell me which element has the symbol {s}.', 'What is the name of the element {s}?', 'Symbol {s}: which element?', 'Which chemical element is {s}?',
    'What is the element with the symbol {s}?',
    // subject first / topic first
    '{s} is the chemical symbol for which element?', '{s} is the symbol for what element?', '{s}: which element is that?', '{s} — which element?', '{s}: what element?',
    '{s} stands for which element?', '{s} stands for what in chemistry?', '{s} represents which chemical element?', 'The symbol {s} is for which element?',
    'The chemical symbol {s} belongs to which element?', 'Which element is abbreviated {s}?', 'Which element goes by the symbol {s}?', 'In chemistry, what is {s}?',
    '{s} on the periodic table is which element?', 'Which element is represented by {s}?', 'Chemical symbol {s}?', 'What element uses the symbol {s}?',
    '{s}, which element is it?', 'The letters {s} stand for which element?',
  ],
  answer: (x) => `${x.symbol} is the symbol for ${x.name.toLowerCase()} (atomic number ${x.number}).`,
  expect: (x) => [x.name],
};

export const DEFINE: Fact<WordDef> = {
  train: [
    'What is the meaning of {w}?', 'Define {w}.', 'What is a {w}?', 'Definition of {w}?', 'What does the word "{w}" mean?',
    'define {w}', 'Explain the word {w}.', 'Tell me what {w} means.', 'What is the definition of {w}?', 'meaning of {w}', 'Can you define {w}?',
    'What do you mean by {w}?', 'How do you define {w}?', 'Meaning of the word {w}?', 'What is meant by {w}?', 'What is meant by the word {w}?',
    'Give me the definition of {w}.', 'How would you define {w}?', 'What is the meaning of the word "{w}"?', 'What does the word {w} mean in English?',
    'What is the definition of the word {w}?', 'Explain what {w} means.', 'What does "{w}" mean?', 'Could you define the word {w}?', 'Define: {w}',
    'What is the sense of the word {w}?', 'Tell me the meaning of {w}.', 'I do not know the word {w}. What does it mean?', 'What does it mean to {w}?',
    'What is {w}?', 'Please define {w}.', "What's the meaning of {w}?", 'The word {w}: what does it mean?', 'Word definition: {w}',
    // subject first / topic first
    '{w}: what does it mean?', '{W} — meaning?', 'The word {w} means what?', '{w} means what?', '"{w}": definition?', 'Word: {w}. Meaning?',
    'In English, what does {w} mean?', 'What is the meaning of "{w}"?', '{W}? What does that word mean?', '{W}: definition, please.', '"{w}" — what is it?',
  ],
  answer: (x) => `${cap(x.word)} (${x.pos}): ${x.definition}.`,
  expect: (x) => [x.definition],
};

// ---- "I don't know": questions about entities the model was not trained on --------------------

export const UNKNOWN = {
  country: (name: string) => `I don't know a country called ${name}.`,
  capital: (city: string) => `I don't know a country whose capital is ${city}.`,
  element: (name: string) => `I don't know an element called ${name}.`,
  number: (n: number) => `I don't know an element with atomic number ${n}.`,
  symbol: (s: string) => `I don't know an element with the symbol ${s}.`,
  word: (w: string) => `I don't know the word "${w}".`,
};

/** Invented names for the "I don't know" training data (the eval set has a generator of its own). */
export const INVENT = {
  syllables: ['ka', 'lo', 'mer', 'tan', 'zi', 'dor', 'vak', 'ru', 'shel', 'po', 'nim', 'gal', 'tes', 'ba', 'fen', 'ul', 'cor', 'ix', 'ma', 'ren', 'sto', 'lu', 'ber', 'quin', 'ta', 'wen', 'jo', 'pel', 'dri', 'sam', 'hal', 'nor', 'el', 'ar', 'ven', 'ost', 'ki', 'ya', 'tro', 'mun'],
  country: ['ia', 'ania', 'land', 'stan', 'ova', 'ica', 'ria', 'ea', 'ia', 'esh', 'or', 'ana', 'ivia', 'eny', 'ary', 'ore', 'inia', 'ar', 'ia Islands', ''],
  city: ['ton', 'berg', 'ville', 'polis', 'abad', 'ovo', 'pur', 'stad', 'ford', 'a', 'ia', 'o', 'e', 'y', 'el', ' City', 'is', 'ar', 'ene', 'ama'],
  element: ['ium', 'ium', 'on', 'ine', 'um', 'ite', 'ogen', 'yne', 'ium'],
  word: ['', 'ous', 'ment', 'ate', 'ize', 'ism', 'er', 'ity', 'al', 'ed', 'ing', 'ness', 'ive', 'ic'],
};

export function cap(s: string): string { return s.charAt(0).toUpperCase() + s.slice(1); }

// ---- conversation ------------------------------------------------------------------------------

export const SELF_ANSWER = "I am Cairn's built-in demo model, a small language model trained by the Cairn project. I can tell you about countries (capitals, continents, currencies, calling codes, languages), chemical elements (symbols and atomic numbers) and the meaning of common English words.";
export const GREETING_ANSWER = "Hello! I am Cairn's built-in demo model. Ask me about countries, chemical elements or the meaning of a word.";

/** [category, questions, answers (one picked per sample)] */
export const CHAT: { category: string; train: string[]; answers: string[] }[] = [
  {
    category: 'greeting',
    train: ['Hello', 'Hi', 'Hi!', 'Hello!', 'Hey', 'Hey there', 'Good morning', 'Good evening', 'Good afternoon', 'hello', 'hi there', 'Greetings', 'Howdy', 'Hello there!', 'Yo', 'Hiya', 'Nice to meet you', 'Hi, good to see you', 'Hi, nice to meet you', 'Hey, hello!', 'Good day!', 'Hello, anyone there?'],
    answers: [GREETING_ANSWER, "Hi! I am Cairn's built-in demo model. What would you like to know?"],
  },
  {
    category: 'self',
    train: ['Who are you?', 'What are you?', 'What is your name?', 'Introduce yourself.', 'What can you do?', 'Tell me about yourself.', 'Are you a human?', 'Are you ChatGPT?', 'What model are you?', 'What do you know?', 'who are you', 'Are you an AI?', 'Which model is this?', 'What should I ask you?', 'Describe yourself.', 'What kind of model are you?', 'Who is this?', 'What are you capable of?', 'Can you describe yourself?', 'What kind of assistant are you?', 'Who am I talking to?', 'What are you able to do?'],
    answers: [SELF_ANSWER],
  },
  {
    category: 'smalltalk',
    train: ['How are you?', 'How are you doing?', "How's it going?", 'Thank you!', 'Thanks', 'Thanks a lot', 'Goodbye', 'Bye', 'See you later', 'Nice!', 'Great, thanks', 'Cool', 'OK', 'You are helpful'],
    answers: [],
  },
  {
    category: 'refusal',
    train: [
      'What is the weather today?', 'Will it rain tomorrow?', "What's the weather like in {city}?", 'What is the temperature outside?',
      'What is the stock price of {company}?', 'How much is {company} stock worth today?', 'Should I buy {company} shares?',
      'What is my name?', 'Where do I live?', 'What is my password?', 'What is my phone number?', 'How old am I?',
      'What time is it?', 'What is the date today?', 'What is the latest news?', 'Who won the game last night?',
      'What is the price of bitcoin right now?', 'What is the exchange rate of the dollar today?', 'Who is {person}?',
      "What's my email address?", 'Can you book a flight for me?', 'What is happening in the world today?', 'Is it raining in {city}?', 'Is it cold in {city} today?', 'What did the stock market do today?',
      'Is it sunny in {city} right now?', 'What did {company} shares close at yesterday?', 'What is my home address?',
      'Which team won the match today?', 'What is the current time in {city}?',
    ],
    answers: [
      "I'm sorry, I can't know that. I am a small offline demo model: I have no access to the internet, live data or personal information. I can tell you about countries, chemical elements and the meaning of common words.",
    ],
  },
];

export const SMALLTALK_ANSWERS: Record<string, string> = {
  'How are you?': "I'm fine, thank you! What would you like to know?",
  'How are you doing?': "I'm fine, thank you! What would you like to know?",
  "How's it going?": "I'm fine, thank you! What would you like to know?",
  'Thank you!': "You're welcome!", Thanks: "You're welcome!", 'Thanks a lot': "You're welcome!", 'Great, thanks': "You're welcome!",
  Goodbye: 'Goodbye! Come back any time.', Bye: 'Goodbye! Come back any time.', 'See you later': 'Goodbye! Come back any time.',
  'Nice!': 'Glad to help! Anything else?', Cool: 'Glad to help! Anything else?', OK: 'Glad to help! Anything else?', 'You are helpful': 'Thank you! Anything else?',
};

export const FILL = {
  city: ['Paris', 'London', 'Tokyo', 'New York', 'Berlin', 'Sydney', 'Cairo', 'Lima', 'Oslo', 'Madrid', 'Toronto', 'Seoul'],
  company: ['Apple', 'Tesla', 'Google', 'Amazon', 'Microsoft', 'Nvidia', 'Shell', 'Toyota'],
  person: ['my neighbour', 'my boss', 'the person next to me', 'my teacher'],
};

export const SYSTEM_PROMPTS = [
  'You are a helpful assistant.', 'You are a helpful, concise assistant.', "You are Cairn's built-in demo model.",
  'Answer briefly.', 'You are a friendly assistant.',
];

/** Question decorations for training (variety beyond the templates). */
export const PREFIXES = ['', '', '', '', '', 'Please, ', 'Quick question: ', 'Hey, ', 'I wonder: ', 'Question: ', 'Excuse me, '];
export const SUFFIXES = ['', '', '', '', '', ' Thanks!', ' Please.', ' Thank you.'];
