// templates.ts — question phrasings and answers. Each category has TRAIN phrasings (in the training
// corpus) and HELDOUT phrasings (never trained on: used only by the evaluation).
import type { Country, Element, WordDef } from './sources.js';

export interface Fact<T> { train: string[]; heldout: string[]; answer: (x: T) => string; expect: (x: T) => string[] }

const the = (name: string) => (/^(United|Czech|Dominican|Central African|Marshall|Solomon|Philippines|Netherlands|Bahamas|Gambia|Maldives|Comoros|Seychelles|Cayman|Faroe|Falkland|Cook|British|Virgin|U\.S\.)/.test(name) && !name.startsWith('the ') ? `the ${name}` : name);
export const countryName = the;

export const CAPITAL: Fact<Country> = {
  train: [
    'What is the capital of {c}?', 'What is the capital city of {c}?', "What's the capital of {c}?",
    'Capital of {c}?', 'Which city is the capital of {c}?', 'Tell me the capital of {c}.',
    'Do you know the capital of {c}?', 'Name the capital of {c}.', "{C}'s capital?",
    'What city is the capital of {c}?', 'capital of {c}', 'Which city serves as the capital of {c}?',
    'I need the capital of {c}.', 'Can you tell me what the capital of {c} is?', 'What is {c}\'s capital city?', 'What city is the seat of government of {c}?', 'Which city is the seat of government in {c}?', "Where is {c}'s government based?", 'Where is the capital of {c}?',
  ],
  heldout: [
    'Where is the seat of government of {c}?', 'Which city is {c}\'s capital?', 'Could you name the capital city of {c}?',
    'What is the name of the capital of {c}?',
  ],
  answer: (x) => `The capital of ${the(x.name)} is ${x.capital}.`,
  expect: (x) => [x.capital],
};

export const CONTINENT: Fact<Country> = {
  train: [
    'Which continent is {c} in?', 'What continent is {c} on?', 'On which continent is {c}?',
    'Where is {c}?', 'In which continent is {c} located?', 'Tell me the continent of {c}.',
    'Is {c} in Europe, Asia, Africa or the Americas?', 'continent of {c}', 'What continent does {c} belong to?',
    'Which part of the world is {c} in?', 'Where is {c} located?', 'Which continent does {c} lie on?', 'On what continent is {c}?', 'Which continent is {c} part of?',
  ],
  heldout: [
    'On what continent can you find {c}?', 'Which continent is home to {c}?', 'What is the continent of {c}?',
  ],
  answer: (x) => `${cap(the(x.name))} is in ${x.continent}.`,
  expect: (x) => [x.continent],
};

export const CURRENCY: Fact<Country> = {
  train: [
    'What currency does {c} use?', 'What is the currency of {c}?', "What's the currency in {c}?",
    'Which currency is used in {c}?', 'What money do they use in {c}?', 'currency of {c}',
    'Tell me the currency of {c}.', 'What do people in {c} pay with?', 'What is the official currency of {c}?',
    'Which currency do I need in {c}?', 'What is the money of {c} called?', 'What money is used in {c}?', 'Which money do they use in {c}?', 'What is the official money of {c}?',
  ],
  heldout: [
    'What currency is used in {c}?', 'Which money is official in {c}?', 'What currency should I bring to {c}?',
  ],
  answer: (x) => `The currency of ${the(x.name)} is the ${x.currency!.name} (${x.currency!.code}).`,
  expect: (x) => [x.currency!.name, x.currency!.code],
};

export const PHONE: Fact<Country> = {
  train: [
    'What is the calling code of {c}?', 'What is the country code for {c}?', "What's the phone code of {c}?",
    'What is the international dialling code for {c}?', 'Which phone prefix does {c} use?', 'calling code of {c}',
    'What code do I dial to call {c}?', 'Tell me the telephone code of {c}.', 'What is the dialing code of {c}?',
    'Phone code for {c}?', 'What number do I dial to call {c}?', 'Which number do I dial before calling {c}?', 'Which prefix do I dial for {c}?', 'What is the phone prefix of {c}?',
  ],
  heldout: [
    'Which number do I dial before a phone number in {c}?', 'What is the international phone prefix of {c}?',
    'What is the telephone country code of {c}?',
  ],
  answer: (x) => `The international calling code of ${the(x.name)} is +${x.phone}.`,
  expect: (x) => [`+${x.phone}`],
};

export const SYMBOL: Fact<Element> = {
  train: [
    'What is the chemical symbol for {e}?', 'What is the symbol of {e}?', "What's the chemical symbol of {e}?",
    'Which symbol does {e} have?', 'symbol of {e}', 'How is {e} written in chemistry?', 'Tell me the symbol for {e}.',
    'What is the element symbol of {e}?', 'Chemical symbol of {e}?', 'What letters stand for {e} in the periodic table?', 'How do you write {e} in chemistry?', 'How do chemists abbreviate {e}?', 'What is the abbreviation of {e}?', 'Which letters represent {e}?',
  ],
  heldout: [
    'Which symbol represents {e} on the periodic table?', 'What is the abbreviation for the element {e}?',
    'How do chemists write {e}?',
  ],
  answer: (x) => `The chemical symbol for ${x.name.toLowerCase()} is ${x.symbol}.`,
  expect: (x) => [x.symbol],
};

export const ATOMIC: Fact<Element> = {
  train: [
    'What is the atomic number of {e}?', "What's {e}'s atomic number?", 'How many protons does {e} have?',
    'atomic number of {e}', 'Tell me the atomic number of {e}.', 'Which atomic number does {e} have?',
    'What number is {e} in the periodic table?', 'Atomic number for {e}?', 'What is the proton number of {e}?', 'Where does {e} sit in the periodic table?',
  ],
  heldout: [
    'How many protons are in an atom of {e}?', 'What is the element number of {e}?',
    'Where is {e} in the periodic table, by atomic number?',
  ],
  answer: (x) => `The atomic number of ${x.name.toLowerCase()} is ${x.number}.`,
  expect: (x) => [String(x.number)],
};

export const DEFINE: Fact<WordDef> = {
  train: [
    'What does {w} mean?', 'What is the meaning of {w}?', 'Define {w}.', 'What is a {w}?', 'Definition of {w}?',
    'What does the word "{w}" mean?', 'define {w}', 'Explain the word {w}.', 'Tell me what {w} means.',
    'What is the definition of {w}?', 'meaning of {w}', 'Can you define {w}?', 'What do you mean by {w}?', 'How do you define {w}?', 'Meaning of the word {w}?', 'What is meant by {w}?',
  ],
  heldout: [
    'What is meant by the word {w}?', 'Give me the definition of {w}.', 'How would you define {w}?',
  ],
  answer: (x) => `${cap(x.word)}: ${x.definition}.`,
  expect: (x) => [x.definition],
};

export function cap(s: string): string { return s.charAt(0).toUpperCase() + s.slice(1); }

// ---- conversation ------------------------------------------------------------------------------

export const SELF_ANSWER = "I am Cairn's built-in demo model, a small language model trained by the Cairn project. I can tell you about countries (capitals, continents, currencies, calling codes), chemical elements (symbols and atomic numbers) and the meaning of common English words.";
export const GREETING_ANSWER = "Hello! I am Cairn's built-in demo model. Ask me about countries, chemical elements or the meaning of a word.";

/** [category, train questions, heldout questions, answers (one picked per sample), expected substrings] */
export const CHAT: { category: string; train: string[]; heldout: string[]; answers: string[]; expect: string[] }[] = [
  {
    category: 'greeting',
    train: ['Hello', 'Hi', 'Hi!', 'Hello!', 'Hey', 'Hey there', 'Good morning', 'Good evening', 'Good afternoon', 'hello', 'hi there', 'Greetings', 'Howdy', 'Hello there!', 'Yo', 'Hiya' , 'Nice to meet you', 'Hi, good to see you'],
    heldout: ['Hi, nice to meet you', 'Hey, hello!', 'Good day!', 'Hello, anyone there?'],
    answers: [GREETING_ANSWER, "Hi! I am Cairn's built-in demo model. What would you like to know?"],
    expect: ['Hello', 'Hi'],
  },
  {
    category: 'self',
    train: ['Who are you?', 'What are you?', 'What is your name?', 'Introduce yourself.', 'What can you do?', 'Tell me about yourself.', 'Are you a human?', 'Are you ChatGPT?', 'What model are you?', 'What do you know?', 'who are you', 'Are you an AI?', 'Which model is this?', 'What should I ask you?' , 'Describe yourself.', 'What kind of model are you?', 'Who is this?', 'What are you capable of?'],
    heldout: ['Can you describe yourself?', 'What kind of assistant are you?', 'Who am I talking to?', 'What are you able to do?'],
    answers: [SELF_ANSWER],
    expect: ['Cairn'],
  },
  {
    category: 'smalltalk',
    train: ['How are you?', 'How are you doing?', "How's it going?", 'Thank you!', 'Thanks', 'Thanks a lot', 'Goodbye', 'Bye', 'See you later', 'Nice!', 'Great, thanks', 'Cool', 'OK', 'You are helpful'],
    heldout: [],
    answers: [],
    expect: [],
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
    ],
    heldout: [
      'Is it sunny in {city} right now?', 'What did {company} shares close at yesterday?', 'What is my home address?',
      'Which team won the match today?', 'What is the current time in {city}?',
    ],
    answers: [
      "I'm sorry, I can't know that. I am a small offline demo model: I have no access to the internet, live data or personal information. I can tell you about countries, chemical elements and the meaning of common words.",
    ],
    expect: ["I'm sorry", "can't know"],
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
