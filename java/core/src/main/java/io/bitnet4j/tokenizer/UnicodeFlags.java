package io.bitnet4j.tokenizer;

/**
 * Code point classes as llama.cpp's {@code unicode.cpp} sees them: one general-category flag per code point
 * (unassigned code points are UNDEFINED, which is still "something", unlike positions outside the text) plus a
 * separate whitespace bit taken from Unicode's White_Space property, not from {@link Character#isWhitespace}
 * (which excludes no-break spaces and includes U+001C..U+001F).
 */
final class UnicodeFlags {
    static final int UNDEFINED = 1;
    static final int NUMBER = 1 << 1;
    static final int LETTER = 1 << 2;
    static final int SEPARATOR = 1 << 3;
    static final int MARK = 1 << 4;
    static final int PUNCTUATION = 1 << 5;
    static final int SYMBOL = 1 << 6;
    static final int CONTROL = 1 << 7;
    static final int WHITESPACE = 1 << 8;
    static final int CATEGORY_MASK = 0xFF;

    private static final short[] BMP = new short[0x10000];

    static {
        for (int cp = 0; cp < BMP.length; cp++) {
            BMP[cp] = (short) compute(cp);
        }
    }

    private UnicodeFlags() {
    }

    /** Flags of a code point; 0 is reserved for "outside the fragment". */
    static int of(int cp) {
        if (cp >= 0 && cp < 0x10000) {
            return BMP[cp];
        }
        return compute(cp);
    }

    static boolean isWhitespace(int cp) {
        return switch (cp) {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    private static int compute(int cp) {
        if (cp < 0 || cp > Character.MAX_CODE_POINT) {
            return UNDEFINED;
        }
        int category = switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> MARK;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> SEPARATOR;
            case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE -> CONTROL;
            case Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
                 Character.CONNECTOR_PUNCTUATION, Character.OTHER_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                 Character.FINAL_QUOTE_PUNCTUATION -> PUNCTUATION;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                 Character.OTHER_SYMBOL -> SYMBOL;
            default -> UNDEFINED;
        };
        return isWhitespace(cp) ? category | WHITESPACE : category;
    }
}
