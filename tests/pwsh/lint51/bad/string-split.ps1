# expect: string-split 3
# String.Split(string) is .NET Core: 5.1 splits at each of the characters.
$parts = $text.Split('::')
