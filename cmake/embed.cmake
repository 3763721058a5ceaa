# Embeds a file into C source: cmake -DIN=file -DOUT=file.c -DNAME=symbol -P embed.cmake
# defines `const char NAME[]` (the bytes plus a NUL) and `const unsigned long NAME_len`.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR len "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp" "/* Generated from ${IN} by cmake/embed.cmake. Do not edit. */\n"
     "const char ${NAME}[] = {\n${bytes}0};\nconst unsigned long ${NAME}_len = ${len};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
