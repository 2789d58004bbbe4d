# expect: unicode 3
# expect: unicode 4
$name = 'café'
# a comment with an em dash — is still not ASCII
