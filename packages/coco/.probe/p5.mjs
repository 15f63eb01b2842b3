import { JSONParser } from '@streamparser/json';
for (const paths of [['$.images.*'], ['$.images.*', '$.*'], undefined]) {
const p = new JSONParser({ paths, keepStack: false });
p.onValue = ({ value, key, parent, stack }) => console.log(JSON.stringify(value), key, JSON.stringify(parent));
p.write('{"info": {"a": 1}, "images": [{"id": 1}, {"id": 2}]}');
console.log('--');
}
