# expect: iwr-basic-parsing 3
# Without -UseBasicParsing, 5.1 parses the page with Internet Explorer.
$page = Invoke-WebRequest -Uri 'http://localhost:8530/ClientWebService/client.asmx'
